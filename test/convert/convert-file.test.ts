// convertFile through the API: progress reports, abort (both ffmpegs end, partial output deleted),
// odd frame sizes into 4:2:0 video, and colored pencil (the pencil drawing in the frame's colours).
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConvertProgress, convertFile } from "../../server/convert/convert-file.js";
import { colorize } from "../../server/engine/colorize.js";
import type { SketchEngine } from "../../server/engine/index.js";
import { runningFfmpegCount, spawnFfmpeg } from "../../server/ffmpeg/ffmpeg.js";
import { MediaError } from "../../server/ffmpeg/media-error.js";
import { openEngine } from "../helpers/engine.js";
import { probeStreams, videoFrames } from "../helpers/ffprobe.js";
import { fileFrames } from "../helpers/frames.js";
import { makeClip } from "../helpers/media.js";

let dir: string;
let engine: SketchEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sketchcast-convert-file-"));
  ({ engine } = await openEngine());
});
afterAll(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

describe("convertFile", () => {
  it("reports progress up to the last frame", async () => {
    const clip = join(dir, "a.mkv");
    await makeClip(clip, { seconds: 1, width: 160, height: 90, fps: 30, audio: false });
    const seen: ConvertProgress[] = [];
    const r = await convertFile(engine, {
      input: clip,
      output: join(dir, "a.y4m"),
      onProgress: (p) => seen.push(p),
    });
    expect(r.frames).toBe(30);
    expect(r.durationSeconds).toBeCloseTo(1, 5);
    expect(seen.at(-1)).toMatchObject({ frames: 30, totalFrames: 30, etaSeconds: 0 });
    expect(seen.every((p) => p.fps > 0)).toBe(true);
    expect(videoFrames(await probeStreams(r.outputPath))).toBe(30);
  });

  it("abort kills both ffmpegs and deletes the partial output", async () => {
    const clip = join(dir, "long.mp4");
    await makeClip(clip, { seconds: 20, width: 320, height: 180, fps: 30 });
    const out = join(dir, "long-out.mp4");
    const abort = new AbortController();
    const run = convertFile(engine, {
      input: clip,
      output: out,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.frames >= 5) abort.abort(new Error("stop"));
      },
    });
    await expect(run).rejects.toThrow("stop");
    expect(runningFfmpegCount()).toBe(0);
    expect(existsSync(out)).toBe(false);
  });

  it("pads odd sizes to even for H.264 4:2:0", async () => {
    // testsrc2 rounds sizes to even; testsrc keeps odd ones.
    const clip = join(dir, "odd.mkv");
    await spawnFfmpeg([
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=161x91:rate=30:duration=0.5",
      "-c:v",
      "ffv1",
      "-y",
      clip,
    ]).wait();
    const r = await convertFile(engine, { input: clip, output: join(dir, "odd.mp4") });
    const v = (await probeStreams(r.outputPath)).streams.find((s) => s.codec_type === "video");
    expect(v).toMatchObject({ width: 162, height: 92, nb_read_frames: "15" });
  });

  it("refuses to overwrite its input and scales to absurd sizes never", async () => {
    const clip = join(dir, "a.mkv");
    await expect(convertFile(engine, { input: clip, output: clip })).rejects.toThrow(
      /would overwrite the input/,
    );
    const big = convertFile(engine, {
      input: clip,
      output: join(dir, "big.mp4"),
      size: { width: 9000, height: 100 },
    });
    await expect(big).rejects.toThrow(MediaError);
    await expect(big).rejects.toThrow(/video is 9000x100; the maximum is 8192 px a side/);
  });

  it("draws colored pencil: the pencil drawing coloured by each frame, losslessly into FFV1", async () => {
    const [w, h] = [160, 96];
    // Lossless in and out, so the frames the engine saw are the frames decoded here.
    const clip = join(dir, "colors.mkv");
    await spawnFfmpeg([
      ...["-f", "lavfi", "-i", `testsrc2=size=${w}x${h}:rate=30:duration=0.2`],
      ...["-c:v", "ffv1", "-pix_fmt", "bgr0", "-y", clip],
    ]).wait();
    const pencil = await convertFile(engine, { input: clip, output: join(dir, "pencil.mkv") });
    const colored = await convertFile(engine, {
      input: clip,
      output: join(dir, "colored.mkv"),
      style: "colored",
    });
    const probe = await probeStreams(colored.outputPath);
    expect(probe.streams[0]).toMatchObject({ codec_name: "ffv1", pix_fmt: "bgr0", nb_read_frames: "6" });
    const frames = await fileFrames(clip, "rgb24", w * h * 3);
    const grays = await fileFrames(pencil.outputPath, "gray", w * h);
    const colors = await fileFrames(colored.outputPath, "rgb24", w * h * 3);
    expect([frames.length, grays.length, colors.length]).toEqual([6, 6, 6]);
    for (const [i, gray] of grays.entries()) {
      const want = colorize(gray, frames[i] as Uint8Array, w, h);
      expect(Buffer.compare(colors[i] as Uint8Array, want), `frame ${i}`).toBe(0);
    }
    // It is in colour: testsrc2's strokes are red, green, blue…, and its paper is white.
    const last = colors[5] as Uint8Array;
    let chromatic = 0;
    for (let i = 0; i < last.length; i += 3)
      if (
        Math.max(last[i] as number, last[i + 1] as number, last[i + 2] as number) -
          Math.min(last[i] as number, last[i + 1] as number, last[i + 2] as number) >
        40
      )
        chromatic++;
    expect(chromatic / (w * h)).toBeGreaterThan(0.05);
  });
});
