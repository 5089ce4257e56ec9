// Batching across streams (batch.maxSize): 4 synthetic 640x360 streams (different lavfi sources)
// through one engine, temporal on, unbatched vs batched in the same run, alternating so the noise of
// a shared box shows:
//  - free: each stream submits its next frame as soon as the engine returns the last one;
//  - paced: each stream offers a frame every 1/30 s (phases spread over the interval), dropped when
//    its previous frame is still running, as the live pipeline does.
// Per run: aggregate fps, per-frame latency (submit → drawing) median/p90, drops, mean batch size.
// Plus the network alone (runModel, no flow/warp/copies to the worker) at N = 1, 2, 4: ms per frame.
// Engine as served: its cpu model, models/sketch-int8.onnx (or SKETCHCAST_MODEL), 2 threads.
import { readFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { SketchEngine, type SketchStream } from "../server/engine/index.js";
import { batchSize } from "../server/engine/metrics.js";
import { openSession, runModel } from "../server/engine/session.js";
import { createCliLogger } from "../server/log.js";
import { modelPaths } from "../server/paths.js";
import { lavfiFrames } from "../test/helpers/frames.js";
import { type BenchSection, median, percentile } from "./section.js";

const modelPath = process.env.SKETCHCAST_MODEL ?? modelPaths.int8;
const W = 640;
const H = 360;
const sources = ["testsrc2", "mandelbrot", "gradients", "life"];
const clipFrames = 60;
const runSeconds = 4;
const repeats = 3;
const fps = 30;
/** The configurations compared; the first is the baseline of the ratios. */
const configs = [
  { name: "off (maxSize 1)", maxSize: 1, maxWaitMs: 0 },
  { name: "maxSize 2", maxSize: 2, maxWaitMs: 0 },
  { name: "maxSize 4", maxSize: 4, maxWaitMs: 0 },
  { name: "maxSize 4, wait 5 ms", maxSize: 4, maxWaitMs: 5 },
];
const modes = ["free", `paced ${fps} fps`] as const;

interface Run {
  frames: number;
  dropped: number;
  latencies: number[];
  seconds: number;
}

/** Network runs and the frames in them, so far. */
async function batchTotals(): Promise<{ runs: number; frames: number }> {
  const values = (await batchSize.get()).values;
  const total = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
  return { runs: total("_count"), frames: total("_sum") };
}

async function drive(streams: SketchStream[], clips: Uint8Array[][], paced: boolean): Promise<Run> {
  const run: Run = { frames: 0, dropped: 0, latencies: [], seconds: runSeconds };
  const started = performance.now();
  const end = started + runSeconds * 1000;
  const one = async (k: number, i: number) => {
    const t = performance.now();
    await streams[k]?.process(clips[k]?.[i % clipFrames] as Uint8Array, W, H);
    run.latencies.push(performance.now() - t);
    run.frames++;
  };
  await Promise.all(
    streams.map(async (_, k) => {
      if (!paced) {
        for (let i = 0; performance.now() < end; i++) await one(k, i);
        return;
      }
      const interval = 1000 / fps;
      let busy: Promise<void> | undefined;
      for (let i = 0; ; i++) {
        const at = started + (k / streams.length + i) * interval;
        if (at >= end) break;
        await new Promise((r) => setTimeout(r, at - performance.now()));
        if (busy) {
          run.dropped++;
          continue;
        }
        busy = one(k, i).finally(() => {
          busy = undefined;
        });
      }
      await busy;
    }),
  );
  run.seconds = (performance.now() - started) / 1000;
  return run;
}

/** The network alone on 640x368 (360p padded to the stride) frames, N per run, alternating N. */
async function networkOnly(): Promise<Record<string, string | number>[]> {
  const model = new Uint8Array(await readFile(modelPath));
  const { session } = await openSession(model, model, "cpu", 2, 16, 3, () => {});
  const [pw, ph] = [640, 368];
  const padded = await Promise.all(sources.map((s) => lavfiFrames(s, pw, ph, 1)));
  const feeds = sources.map((_, k) => ({
    frame: padded[k]?.[0] as Uint8Array,
    prev: new Uint8Array(pw * ph).fill(255),
    mask: new Uint8Array(pw * ph),
    style: Float32Array.of(1, 0, 0),
    detail: 0.5,
    width: pw,
    height: ph,
  }));
  const perFrame = new Map<number, number[]>();
  try {
    for (let rep = 0; rep < repeats + 1; rep++) {
      for (const n of [1, 2, 4]) {
        for (let i = 0; i < 24 / n; i++) {
          const t = performance.now();
          await runModel(session, feeds.slice(0, n));
          // The first round warms (allocations for each N).
          if (rep > 0) perFrame.set(n, [...(perFrame.get(n) ?? []), (performance.now() - t) / n]);
        }
      }
    }
  } finally {
    await session.release();
  }
  return [...perFrame].map(([n, ms]) => ({
    mode: "network only",
    batching: `N = ${n}`,
    rep: `${repeats}×`,
    "fps (all)": +(1000 / median(ms)).toFixed(1),
    "median ms": +median(ms).toFixed(1),
    "p90 ms": +percentile(ms, 90).toFixed(1),
    "dropped %": "",
    "mean batch": n,
  }));
}

export default async function bench(): Promise<BenchSection> {
  const clips = await Promise.all(sources.map((s) => lavfiFrames(s, W, H, clipFrames)));
  const engines = await Promise.all(
    configs.map((c) =>
      SketchEngine.create({ modelPath, ep: "cpu", threads: 2, batch: c, logger: createCliLogger("warn") }),
    ),
  );
  const rows: Record<string, string | number>[] = [];
  const fpsOf = new Map<string, number[]>();
  const p50Of = new Map<string, number[]>();
  try {
    for (let rep = 1; rep <= repeats; rep++) {
      for (const mode of modes) {
        for (const [c, engine] of engines.entries()) {
          const config = configs[c] as (typeof configs)[number];
          const streams = sources.map(() => engine.createStream({ temporal: true }));
          if (rep === 1 && mode === "free") await drive(streams, clips, false); // warm: allocations, caches
          const before = await batchTotals();
          const r = await drive(streams, clips, mode !== "free");
          const after = await batchTotals();
          for (const s of streams) s.close();
          const key = `${mode} | ${config.name}`;
          const aggregate = r.frames / r.seconds;
          fpsOf.set(key, [...(fpsOf.get(key) ?? []), aggregate]);
          p50Of.set(key, [...(p50Of.get(key) ?? []), median(r.latencies)]);
          rows.push({
            mode,
            batching: config.name,
            rep,
            "fps (all)": +aggregate.toFixed(1),
            "median ms": +median(r.latencies).toFixed(1),
            "p90 ms": +percentile(r.latencies, 90).toFixed(1),
            "dropped %": +((100 * r.dropped) / Math.max(1, r.dropped + r.frames)).toFixed(1),
            "mean batch": +((after.frames - before.frames) / Math.max(1, after.runs - before.runs)).toFixed(
              2,
            ),
          });
        }
      }
    }
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
  rows.push(...(await networkOnly()));
  const mean = (v: number[] | undefined) => (v ?? []).reduce((a, b) => a + b, 0) / (v?.length || 1);
  const notes = modes.flatMap((mode) => {
    const base = `${mode} | ${configs[0]?.name}`;
    return configs.slice(1).map((c) => {
      const key = `${mode} | ${c.name}`;
      const fpsRatio = mean(fpsOf.get(key)) / mean(fpsOf.get(base));
      const p50Ratio = mean(p50Of.get(key)) / mean(p50Of.get(base));
      return `${mode}, ${c.name} vs off: fps ×${fpsRatio.toFixed(2)}, median latency ×${p50Ratio.toFixed(2)} (means of ${repeats} alternating runs)`;
    });
  });
  return {
    name: `batching across streams: 4 streams ${W}x${H}, temporal on (cpu, 2 threads)`,
    rows,
    notes: [
      ...notes,
      "network only: runModel alone, median and p90 are ms per frame (run time / N), fps = 1000 / median",
      `${availableParallelism()} cores, load average at the end ${loadavg()[0]?.toFixed(1)} (others share this box)`,
    ],
  };
}
