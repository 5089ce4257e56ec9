// One capacity trial: N synthetic cameras through N real sketch processors at once, measured over a
// fixed window after a warm-up, then torn down (checking that no ffmpeg is left).
import type { types } from "mediasoup";
import type { SketchEngine } from "../../server/engine/index.js";
import { runningFfmpegCount } from "../../server/ffmpeg/ffmpeg.js";
import type { FrameSize } from "../../server/live/live-sketch-size.js";
import type { Logger } from "../../server/log.js";
import type { WorkerPool } from "../../server/media/worker-pool.js";
import { liveFramesDropped } from "../../server/processing/processing-metrics.js";
import { type FrameTiming, SketchProcessor } from "../../server/processing/sketch-processor.js";
import { median, percentile } from "../section.js";
import { cpuPercent, type Stage, sampleCpu } from "./cpu-usage.js";
import { countFrames, type FrameCounter } from "./frame-counter.js";
import { type SyntheticCamera, startSyntheticCamera } from "./synthetic-camera.js";

export interface TrialOptions {
  pool: WorkerPool;
  engine: SketchEngine;
  width: number;
  height: number;
  fit: FrameSize | undefined;
  streams: number;
  warmupSeconds: number;
  windowSeconds: number;
  /** Node's threads before the engine started (see sampleCpu). */
  nodeThreads: Set<string>;
  log: Logger;
}

export interface TrialResult {
  /** Frames a second at the viewer's end, the slowest stream. */
  minFps: number;
  /** Frames a second out of the decoders, the slowest stream. */
  minDecodedFps: number;
  /** Decoder → encoder latency over every stream's frames. */
  p50Ms: number;
  /** The worst stream's p90 decoder → encoder latency. */
  p90Ms: number;
  /** Median time of the stream.process call (engine queue + frame step), every stream's frames. */
  processMs: number;
  dropped: { model: number; encoder: number };
  /** Percent of one core per stage. */
  cpu: Record<Stage, number>;
}

interface Stream {
  router: types.Router;
  camera: SyntheticCamera;
  pipeline: SketchProcessor;
  viewer: FrameCounter;
  timings: FrameTiming[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function droppedByStage(): Promise<{ model: number; encoder: number }> {
  const values = (await liveFramesDropped.get()).values;
  const at = (stage: string) => values.find((v) => v.labels.stage === stage)?.value ?? 0;
  return { model: at("model"), encoder: at("encoder") };
}

async function startStream(o: TrialOptions, index: number, measuring: () => boolean): Promise<Stream> {
  const router = await o.pool.createRouter();
  const camera = await startSyntheticCamera(router, index, o.width, o.height).catch((err: unknown) => {
    router.close();
    throw err;
  });
  const timings: FrameTiming[] = [];
  const pipeline = await SketchProcessor.start({
    router,
    source: camera.producer,
    stream: o.engine.createStream(),
    probe: false,
    fit: o.fit,
    log: o.log,
    onFrameOut: (t) => measuring() && timings.push(t),
  }).catch(async (err: unknown) => {
    await camera.close();
    router.close();
    throw err;
  });
  const viewer = await countFrames(router, pipeline.output.producer).catch(async (err: unknown) => {
    await pipeline.close();
    await camera.close();
    router.close();
    throw err;
  });
  return { router, camera, pipeline, viewer, timings };
}

async function stopStream(s: Stream): Promise<void> {
  s.viewer.close();
  await s.pipeline.close();
  await s.camera.close();
  s.router.close();
}

/** Waits until every viewer has a frame (decoders start at a keyframe, up to a second in). */
async function firstFrames(streams: Stream[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (streams.some((s) => s.viewer.frames === 0)) {
    if (performance.now() > deadline) throw new Error(`a stream sent no sketch frame within ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function runTrial(o: TrialOptions): Promise<TrialResult> {
  const streams: Stream[] = [];
  const result = await measure(o, streams).finally(() => Promise.all(streams.map(stopStream)));
  const left = runningFfmpegCount();
  if (left > 0) throw new Error(`${left} ffmpeg left running after a trial`);
  return result;
}

/** Starts the streams (into `streams`, for the caller to stop) and measures them. */
async function measure(o: TrialOptions, streams: Stream[]): Promise<TrialResult> {
  let measuring = false;
  for (let i = 0; i < o.streams; i++) streams.push(await startStream(o, i, () => measuring));
  await firstFrames(streams, 15_000);
  await sleep(o.warmupSeconds * 1000);

  // Frame counts are read together with the clock, synchronously: an await between them (reading
  // /proc takes a while on a busy box) would let frames in that the window's length does not cover.
  const counts = () => ({
    viewed: streams.map((s) => s.viewer.frames),
    decoded: streams.map((s) => s.pipeline.stats().framesIn),
    at: performance.now(),
  });
  const droppedBefore = await droppedByStage();
  const cpuBefore = await sampleCpu(o.nodeThreads);
  const cpuFrom = performance.now();
  const before = counts();
  measuring = true;
  await sleep(o.windowSeconds * 1000);
  measuring = false;
  const after = counts();
  const cpu = cpuPercent(cpuBefore, await sampleCpu(o.nodeThreads), (performance.now() - cpuFrom) / 1000);
  const dropped = await droppedByStage();

  const seconds = (after.at - before.at) / 1000;
  const minRate = (key: "viewed" | "decoded") =>
    Math.min(...after[key].map((n, i) => (n - (before[key][i] ?? 0)) / seconds));
  const latencies = (s: Stream) => s.timings.map((t) => t.latencyMs);
  const p90s = streams.map((s) => (s.timings.length ? percentile(latencies(s), 90) : Infinity));
  const all = streams.flatMap((s) => s.timings);
  return {
    minFps: minRate("viewed"),
    minDecodedFps: minRate("decoded"),
    p50Ms: all.length ? median(all.map((t) => t.latencyMs)) : Infinity,
    p90Ms: Math.max(...p90s),
    processMs: all.length ? median(all.map((t) => t.processMs)) : Infinity,
    dropped: {
      model: dropped.model - droppedBefore.model,
      encoder: dropped.encoder - droppedBefore.encoder,
    },
    cpu,
  };
}
