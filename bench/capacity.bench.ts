// `npm run bench -- capacity`: how many live streams one server carries in real time. N synthetic
// cameras (ffmpeg test patterns, VP8 over RTP into PlainTransport producers, no browser) run through
// N real SketchPipelines on the worker pool's routers; each sketch is consumed over plain RTP and its
// frames counted. N grows from 1 until a stream falls under 29 fps or the worst stream's p90
// decoder → encoder latency reaches 50 ms; the capacity is the last N that held.
import { access } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { engineOptions } from "../server/config/engine-options.js";
import type { BatchOptions } from "../server/engine/batch.js";
import { SketchEngine } from "../server/engine/index.js";
import { liveSketchSize } from "../server/live/live-sketch-size.js";
import { createCliLogger } from "../server/log.js";
import { WorkerPool } from "../server/media/worker-pool.js";
import { modelPaths } from "../server/paths.js";
import { childProcesses } from "../test/helpers/processes.js";
import { benchConfig } from "./bench-config.js";
import { threadIds } from "./capacity/cpu-usage.js";
import { findCapacity, maxP90Ms, minFps } from "./capacity/find-capacity.js";
import type { BenchSection } from "./section.js";

const warmupSeconds = 2;
const windowSeconds = Number(process.env.CAPACITY_WINDOW_SECONDS ?? 7);
const maxStreams = Number(process.env.CAPACITY_MAX_STREAMS ?? 8);

/**
 * At 360p, unbatched, engine layouts for a 2-core box one after the other (one worker with 2 intra-op
 * threads, two workers with one each, two with two each), then batched across streams (configured layout; up to
 * 4 frames a run, waiting up to 5 ms for the other streams' frames: cameras are not in phase). 720p
 * cameras as the server draws them by default (within live.sketchSize: 640x360 on cpu) and drawn at
 * their own size, in the configured layout.
 */
const variants: {
  width: number;
  height: number;
  batch: BatchOptions;
  layout?: { workers: number; threads: number };
  drawnAtOwnSize?: true;
}[] = [
  { width: 640, height: 360, batch: { maxSize: 1, maxWaitMs: 0 }, layout: { workers: 1, threads: 2 } },
  { width: 640, height: 360, batch: { maxSize: 1, maxWaitMs: 0 }, layout: { workers: 2, threads: 1 } },
  { width: 640, height: 360, batch: { maxSize: 1, maxWaitMs: 0 }, layout: { workers: 2, threads: 2 } },
  { width: 640, height: 360, batch: { maxSize: 4, maxWaitMs: 5 } },
  { width: 1280, height: 720, batch: { maxSize: 1, maxWaitMs: 0 } },
  { width: 1280, height: 720, batch: { maxSize: 1, maxWaitMs: 0 }, drawnAtOwnSize: true },
];

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

export default async function capacityBench(): Promise<BenchSection> {
  const log = createCliLogger();
  const config = benchConfig(52000);
  // A missing model fails here, clearly; the async call also starts libuv's thread pool before the
  // thread snapshot below, so its threads count as Node's, not the engine's.
  await access(config.model ?? modelPaths.int8);
  const loadBefore = load();
  const pool = await WorkerPool.create(config.mediasoup, log);
  // Every thread started from here on belongs to an engine (see sampleCpu).
  const nodeThreads = threadIds();
  const rows: BenchSection["rows"] = [];
  const summary: string[] = [];
  let ep = config.ep;
  try {
    for (const v of variants) {
      const engine = await SketchEngine.create({
        ...engineOptions(config, log),
        ...v.layout,
        batch: v.batch,
      });
      ep = engine.ep;
      const { maxSize, maxWaitMs } = engine.batch;
      const layout = `${engine.workers} × ${engine.threads} thread${engine.threads > 1 ? "s" : ""}`;
      const label = `${ep}, ${layout}, ${maxSize > 1 ? `batch ≤ ${maxSize}, wait ≤ ${maxWaitMs} ms` : "unbatched"}`;
      const found = await findCapacity({
        pool,
        engine,
        label,
        width: v.width,
        height: v.height,
        fit: v.drawnAtOwnSize ? undefined : liveSketchSize(config.live.sketchSize, engine.ep),
        maxStreams,
        warmupSeconds,
        windowSeconds,
        nodeThreads,
        log,
      }).finally(() => engine.close());
      rows.push(...found.rows);
      summary.push(found.summary);
    }
  } finally {
    pool.close();
  }
  await noneLeft();
  return {
    name: `live capacity: streams carried at ≥ ${minFps} fps each with p90 decoder → encoder latency < ${maxP90Ms} ms`,
    rows,
    notes: [
      ...summary,
      `per N: ${warmupSeconds} s warm-up after every stream's first sketch frame, then ${windowSeconds} s measured; fps = sketch frames received by a plain-RTP consumer of each sketch producer`,
      "latency (p50 over all frames, p90 of the worst stream) = from a frame leaving the decoder (parsed in Node) to its sketch handed to the encoder ffmpeg: mailbox wait + engine queue + frame step; encoding and RTP are not in it. process ms = the engine call alone (queue + step), median",
      "%cpu = percent of one core over the window, from /proc: decode/encode = the pipelines' ffmpegs (spares included), mediasoup = its workers, engine = the engine worker thread and the threads it started (ONNX Runtime, OpenCV), node rest = every other Node thread (main: pipes, RTP relay), sources = the synthetic cameras' ffmpegs (not the server), others = the rest of the box",
      "at N = 1 there is nothing to batch: the batched and unbatched rows differ by noise only; decoded fps over 30 = the cameras (ffmpeg -re) catching up after the box starved them",
      `engine: ep ${ep}, workers × intra-op threads each (configured: --engine-workers ${config.engineWorkers}, --threads ${config.threads}); webgpu and cuda fall back to cpu without a GPU, so only cpu is measured here (SKETCHCAST_EP picks another)`,
      `${availableParallelism()} cores shared with other work; load average ${loadBefore} before, ${load()} after`,
    ],
  };
}

/** Teardown check: no ffmpeg or mediasoup worker outlives the bench. */
async function noneLeft(): Promise<void> {
  for (let i = 0; ; i++) {
    const left = (await childProcesses(process.pid)).filter((c) => /^(ffmpeg|mediasoup)/.test(c.name));
    if (left.length === 0) return;
    if (i === 50) throw new Error(`left running: ${left.map((c) => `${c.name} ${c.pid}`).join(", ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
