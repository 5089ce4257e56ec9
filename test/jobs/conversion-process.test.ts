// A conversion job's own process (server/jobs/conversion-process.ts → conversion-child.ts): it draws
// the whole clip with progress while the server says live streams are active (it paces itself
// then), brings a failure back as the conversion's own one-line reason, and ends when aborted.
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ConvertProgress } from "../../server/convert/convert-file.js";
import { conversionProcess } from "../../server/jobs/conversion-process.js";
import { probeStreams, videoFrames } from "../helpers/ffprobe.js";
import { makeClip } from "../helpers/media.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sketchcast-conversion-process-"));
  await makeClip(join(dir, "clip.mp4"), { seconds: 1, width: 160, height: 90, audio: false });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const request = (input: string, output: string, signal = new AbortController().signal) => {
  const progress: ConvertProgress[] = [];
  const options = { style: "pencil" as const, detail: 0.5, temporal: true };
  return {
    progress,
    request: { input, output, ...options, signal, onProgress: (p: ConvertProgress) => progress.push(p) },
  };
};

const convert = conversionProcess({
  engine: { ep: "cpu", threads: 1 },
  logLevel: "warn",
  liveActive: () => true,
});

it("converts the whole clip beside live streams, with progress", async () => {
  const { progress, request: r } = request(join(dir, "clip.mp4"), join(dir, "out.mp4"));
  const out = await convert(r);
  expect(out.frames).toBe(30);
  expect(progress.at(-1)).toMatchObject({ frames: 30, totalFrames: 30 });
  expect(videoFrames(await probeStreams(join(dir, "out.mp4")))).toBe(30);
}, 60_000);

it("fails with the conversion's own reason", async () => {
  await writeFile(join(dir, "text.mp4"), "not a video\n".repeat(100));
  const { request: r } = request(join(dir, "text.mp4"), join(dir, "bad.mp4"));
  await expect(convert(r)).rejects.toThrow(/^not a video or image file: text\.mp4$/);
  expect(existsSync(join(dir, "bad.mp4"))).toBe(false);
}, 60_000);

it("ends when aborted, leaving no output", async () => {
  await makeClip(join(dir, "long.mp4"), { seconds: 20, width: 320, height: 180, audio: false });
  const abort = new AbortController();
  const { request: r } = request(join(dir, "long.mp4"), join(dir, "long-out.mp4"), abort.signal);
  const run = convert({ ...r, onProgress: (p) => p.frames >= 10 && abort.abort("cancel") });
  await expect(run).rejects.toBe("cancel");
  expect(existsSync(join(dir, "long-out.mp4"))).toBe(false);
}, 60_000);
