// A probe never hangs: ffprobe reading input that never ends (a FIFO nobody writes to) is killed
// at its timeout, or when its owner aborts, and says so in one line.
import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runningFfmpegCount } from "../../server/ffmpeg/ffmpeg.js";
import { MediaError } from "../../server/ffmpeg/media-error.js";
import { probe, runFfprobe } from "../../server/ffmpeg/probe.js";

let dir: string;
let fifo: string;
let fd: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sketchcast-probe-"));
  fifo = join(dir, "never-ends.ts");
  execFileSync("mkfifo", [fifo]);
  // Read-write, so the FIFO has a writer (us) that never writes: ffprobe's reads block forever.
  fd = openSync(fifo, constants.O_RDWR);
});
afterAll(async () => {
  closeSync(fd);
  await rm(dir, { recursive: true, force: true });
});

describe("probe timeout", () => {
  it("kills an ffprobe that blocks on its input at the timeout", async () => {
    const err = await runFfprobe([fd], "never-ends.ts", { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect(err).toMatchObject({
      kind: "timeout",
      message: "gave up reading never-ends.ts after 1 s: not a complete video or image file",
    });
    expect(runningFfmpegCount()).toBe(0);
  });

  it("kills it when the owner aborts", async () => {
    const owner = new AbortController();
    const probing = runFfprobe([fd], "never-ends.ts", { signal: owner.signal, timeoutMs: 60_000 });
    expect(runningFfmpegCount()).toBe(1);
    owner.abort(new Error("client went away"));
    await expect(probing).rejects.toThrow("client went away");
    expect(runningFfmpegCount()).toBe(0);
  });

  it("refuses a FIFO given as the file without opening it for ffprobe", async () => {
    await expect(probe(fifo)).rejects.toThrow(
      "not a video or image file: never-ends.ts is not a regular file",
    );
    expect(runningFfmpegCount()).toBe(0);
  });
});
