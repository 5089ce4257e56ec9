import { describe, expect, it } from "vitest";
import { FfmpegError, killAllFfmpeg, runningFfmpegCount, spawnFfmpeg } from "../../server/ffmpeg/ffmpeg.js";

// An ffmpeg that runs until stopped: reads raw video from stdin.
const endless = ["-f", "rawvideo", "-pix_fmt", "gray", "-s", "16x16", "-i", "pipe:0", "-f", "null", "-"];

describe("spawnFfmpeg", () => {
  it("pipes raw frames through and resolves on exit 0", async () => {
    const ff = spawnFfmpeg([
      "-f",
      "rawvideo",
      "-pix_fmt",
      "gray",
      "-s",
      "4x4",
      "-i",
      "pipe:0",
      "-vf",
      "negate",
      "-f",
      "rawvideo",
      "pipe:1",
    ]);
    const out: Buffer[] = [];
    ff.stdout.on("data", (c: Buffer) => out.push(c));
    ff.stdin.end(Buffer.alloc(16, 10));
    await ff.wait();
    expect([...Buffer.concat(out)]).toEqual(Array(16).fill(245));
  });

  it("rejects with ffmpeg's own last error line", async () => {
    const ff = spawnFfmpeg(["-i", "/nonexistent/input.mp4", "-f", "null", "-"], { name: "decode" });
    const err = await ff.wait().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegError);
    expect((err as Error).message).toBe(
      "ffmpeg (decode) failed: /nonexistent/input.mp4: No such file or directory",
    );
  });

  it("is ended by its owner's abort signal", async () => {
    const abort = new AbortController();
    const ff = spawnFfmpeg(endless, { signal: abort.signal });
    expect(runningFfmpegCount()).toBe(1);
    abort.abort();
    expect((await ff.exited).signal).toBe("SIGKILL");
    expect(runningFfmpegCount()).toBe(0);
    await expect(ff.wait()).rejects.toThrow(FfmpegError);
  });

  it("killAllFfmpeg ends every child (server shutdown)", async () => {
    const all = [spawnFfmpeg(endless), spawnFfmpeg(endless), spawnFfmpeg(endless)];
    expect(runningFfmpegCount()).toBe(3);
    await killAllFfmpeg();
    expect(runningFfmpegCount()).toBe(0);
    for (const ff of all) expect(ff.pid && isAlive(ff.pid)).toBe(false);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
