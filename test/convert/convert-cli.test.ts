// `sketchcast convert` end to end: real ffmpeg, real model, outputs checked with ffprobe; bad input
// and bad flags end with a non-zero exit and one readable line.
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnFfmpeg } from "../../server/ffmpeg/ffmpeg.js";
import { cliLines as lines, sketchcast } from "../helpers/cli.js";
import { probeStreams, videoFrames } from "../helpers/ffprobe.js";
import { makeClip, truncateCopy, writeHugeY4m } from "../helpers/media.js";

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sketchcast-convert-"));
  clip = join(dir, "clip.mp4");
  await makeClip(clip, { seconds: 2, width: 320, height: 180, fps: 30 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("sketchcast convert", () => {
  it("mp4 with audio → mp4: same frame count and duration, audio kept", async () => {
    const out = join(dir, "out.mp4");
    const r = await sketchcast("convert", clip, out, "--style", "ink", "--detail", "0.7");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote .*out\.mp4: 60 frames/);
    const [src, dst] = await Promise.all([probeStreams(clip), probeStreams(out)]);
    expect(videoFrames(dst)).toBe(videoFrames(src));
    expect(videoFrames(dst)).toBe(60);
    const v = dst.streams.find((s) => s.codec_type === "video");
    expect(v).toMatchObject({ codec_name: "h264", pix_fmt: "yuv420p", width: 320, height: 180 });
    expect(Math.abs(Number(v?.duration) - 2)).toBeLessThanOrEqual(1 / 30);
    expect(Math.abs(dst.duration - src.duration)).toBeLessThanOrEqual(1 / 30);
    expect(dst.streams.find((s) => s.codec_type === "audio")?.codec_name).toBe("aac");
  });

  it("→ mkv (FFV1, lossless gray) and → webm (VP9 + Opus)", async () => {
    const mkv = join(dir, "out.mkv");
    const webm = join(dir, "out.webm");
    for (const [out, args] of [
      [mkv, ["--temporal", "off"]],
      [webm, ["--size", "160x90"]],
    ] as const) {
      const r = await sketchcast("convert", clip, out, ...args);
      expect(r.code, r.stderr).toBe(0);
    }
    const m = await probeStreams(mkv);
    expect(videoFrames(m)).toBe(60);
    expect(m.streams.find((s) => s.codec_type === "video")).toMatchObject({
      codec_name: "ffv1",
      pix_fmt: "gray",
    });
    expect(m.streams.find((s) => s.codec_type === "audio")?.codec_name).toBe("aac");
    const w = await probeStreams(webm);
    expect(videoFrames(w)).toBe(60);
    expect(w.streams.find((s) => s.codec_type === "video")).toMatchObject({
      codec_name: "vp9",
      width: 160,
      height: 90,
    });
    expect(w.streams.find((s) => s.codec_type === "audio")?.codec_name).toBe("opus");
    expect(Math.abs(w.duration - 2)).toBeLessThanOrEqual(1 / 30 + 0.01);
  });

  it("still png → png", async () => {
    // testsrc2 rounds sizes to even; testsrc keeps odd ones.
    const png = join(dir, "still.png");
    await spawnFfmpeg(["-f", "lavfi", "-i", "testsrc=size=321x181", "-frames:v", "1", "-y", png]).wait();
    const out = join(dir, "still-out.png");
    const r = await sketchcast("convert", png, out, "--style", "charcoal");
    expect(r.code, r.stderr).toBe(0);
    const p = await probeStreams(out);
    expect(p.streams).toHaveLength(1);
    expect(p.streams[0]).toMatchObject({ codec_name: "png", pix_fmt: "gray", width: 321, height: 181 });
  });

  describe("bad input: exit ≠ 0, one readable line, no output left", () => {
    const cases: [string, (path: string) => Promise<void>, RegExp][] = [
      [
        "text.mp4",
        (p) => writeFile(p, "this is not a video\n"),
        /^sketchcast: not a video or image file: text\.mp4$/,
      ],
      ["empty.mp4", (p) => writeFile(p, ""), /^sketchcast: not a video or image file: empty\.mp4 is empty$/],
      ["cut.mp4", (p) => truncateCopy(clip, p), /^sketchcast: truncated or corrupt input: cut\.mp4/],
      [
        "huge.y4m",
        (p) => writeHugeY4m(p),
        /^sketchcast: video is 20000x20000; the maximum is 8192 px a side/,
      ],
    ];
    for (const [name, make, message] of cases) {
      it(name, async () => {
        const input = join(dir, name);
        await make(input);
        const out = join(dir, `${name}.out.mp4`);
        const r = await sketchcast("convert", input, out);
        expect(r.code).not.toBe(0);
        expect(lines(r)).toHaveLength(1);
        expect(lines(r)[0]).toMatch(message);
        expect(existsSync(out)).toBe(false);
      });
    }

    it("a truncated mp4 whose frames start decoding (faststart) fails too", async () => {
      const fast = join(dir, "fast.mp4");
      await makeClip(fast, { seconds: 2, width: 320, height: 180 });
      const remuxed = join(dir, "faststart.mp4");
      await spawnFfmpeg(["-i", fast, "-c", "copy", "-movflags", "+faststart", "-y", remuxed]).wait();
      const cut = join(dir, "fast-cut.mp4");
      await truncateCopy(remuxed, cut, 0.6);
      const out = join(dir, "fast-cut.out.mkv");
      const r = await sketchcast("convert", cut, out);
      expect(r.code).not.toBe(0);
      expect(lines(r)).toEqual([
        expect.stringMatching(/^sketchcast: truncated or corrupt input: fast-cut\.mp4/),
      ]);
      expect(existsSync(out)).toBe(false);
    });
  });

  describe("bad flags: exit ≠ 0, one readable line", () => {
    const cases: [string[], RegExp][] = [
      [
        ["--style", "crayon"],
        /^sketchcast: invalid --style "crayon": expected pencil, ink, charcoal, colored$/,
      ],
      [["--detail", "2"], /^sketchcast: invalid --detail "2": expected a number 0\.\.1$/],
      [["--temporal", "maybe"], /^sketchcast: invalid --temporal "maybe": expected on or off$/],
      [["--size", "big"], /^sketchcast: invalid --size "big": expected WIDTHxHEIGHT/],
      [["--threads", "0"], /^sketchcast: invalid --threads "0": expected an integer 1-256$/],
      [["--ep", "tpu"], /^sketchcast: invalid --ep "tpu": expected one of cpu, webgpu, cuda$/],
      [["--colour", "red"], /^sketchcast: Unknown option '--colour'/],
    ];
    for (const [flags, message] of cases) {
      it(flags.join(" "), async () => {
        const r = await sketchcast("convert", clip, join(dir, "never.mp4"), ...flags);
        expect(r.code).not.toBe(0);
        expect(lines(r)).toHaveLength(1);
        expect(lines(r)[0]).toMatch(message);
      });
    }

    it("an unknown output format and a video into a picture", async () => {
      const avi = await sketchcast("convert", clip, join(dir, "x.avi"));
      expect(lines(avi)).toEqual([
        expect.stringMatching(/^sketchcast: unsupported output format "\.avi": use \.mp4/),
      ]);
      const png = await sketchcast("convert", clip, join(dir, "x.png"));
      expect(png.code).not.toBe(0);
      expect(lines(png)).toEqual(["sketchcast: cannot write a video to .png: use .mp4, .webm, .mkv, .y4m"]);
    });

    it("a missing output argument", async () => {
      const r = await sketchcast("convert", clip);
      expect(r.code).toBe(2);
      expect(lines(r)[0]).toBe("sketchcast: convert needs an input and an output file");
    });
  });
});
