// File conversion end to end and the engine's whole per-frame step, in one run:
//  - a 10 s 640x360 30 fps clip with audio (made by ffmpeg) → mp4, with 1 intra-op thread (the
//    `sketchcast convert` default) and 2 (the server's), alternating twice: wall time, × real time;
//  - SketchStream.process() (pad + optical flow + warp + net + crop) median ms at 640x360 and
//    1280x720 on a moving test pattern, temporal on, 2 threads (the model card's setting) and 1;
//    at 640x360 also colored pencil (the same step plus colouring the drawing by the frame).
// Engine as served: its cpu model, models/sketch-int8.onnx (or SKETCHCAST_MODEL).
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { convertFile } from "../server/convert/convert-file.js";
import { SketchEngine } from "../server/engine/index.js";
import { createCliLogger } from "../server/log.js";
import { lavfiFrames } from "../test/helpers/frames.js";
import { makeClip } from "../test/helpers/media.js";
import { type BenchSection, median, percentile } from "./section.js";

const modelPath = process.env.SKETCHCAST_MODEL;
const seconds = 10;
const openEngine = (threads: number) =>
  SketchEngine.create({ modelPath, ep: "cpu", threads, logger: createCliLogger("warn") });

export default async function bench(): Promise<BenchSection> {
  const dir = await mkdtemp(join(tmpdir(), "sketchcast-bench-"));
  const rows: Record<string, string | number>[] = [];
  try {
    const clip = join(dir, "clip.mp4");
    await makeClip(clip, { seconds });
    const speed: Record<number, number[]> = { 1: [], 2: [] };
    for (const threads of [1, 2, 1, 2]) {
      const engine = await openEngine(threads);
      try {
        const t0 = performance.now();
        const r = await convertFile(engine, { input: clip, output: join(dir, "out.mp4") });
        const wall = (performance.now() - t0) / 1000;
        speed[threads]?.push(r.durationSeconds / wall);
        rows.push({
          what: `convert ${seconds} s 640x360@30 + audio → mp4, ${threads} thread(s)`,
          frames: r.frames,
          "wall s": +wall.toFixed(2),
          "× real time": +(r.durationSeconds / wall).toFixed(2),
          fps: +(r.frames / wall).toFixed(1),
          "median ms": "",
          "p90 ms": "",
        });
      } finally {
        await engine.close();
      }
    }

    for (const threads of [2, 1]) {
      const engine = await openEngine(threads);
      try {
        for (const [w, h, n, style] of [
          [640, 360, 60, "pencil"],
          [640, 360, 60, "colored"],
          [1280, 720, 24, "pencil"],
        ] as const) {
          const frames = await lavfiFrames("testsrc2", w, h, n);
          const stream = engine.createStream({ temporal: true, style });
          const ms: number[] = [];
          for (const [i, f] of frames.entries()) {
            const t = performance.now();
            await stream.process(f, w, h);
            if (i >= 4) ms.push(performance.now() - t); // the first frames warm caches and allocate
          }
          stream.close();
          rows.push({
            what: `per-frame step (pad + flow + warp + net) ${w}x${h} ${style}, ${threads} thread(s)`,
            frames: ms.length,
            "wall s": "",
            "× real time": "",
            fps: +(1000 / median(ms)).toFixed(1),
            "median ms": +median(ms).toFixed(1),
            "p90 ms": +percentile(ms, 90).toFixed(1),
          });
        }
      } finally {
        await engine.close();
      }
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    return {
      name: "file conversion and the engine's per-frame step (cpu)",
      rows,
      notes: [
        `conversion × real time, mean of 2: ${mean(speed[1] ?? []).toFixed(2)} with 1 thread, ${mean(speed[2] ?? []).toFixed(2)} with 2; target ≥ 2× at 640x360 on 2 cores`,
        `${availableParallelism()} cores, load average at the end ${loadavg()[0]?.toFixed(1)} (others share this box)`,
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
