// Batching across streams, in the engine worker: frames of different streams with the same padded
// size run as one network run with N > 1 (the per-stream pad, flow + warp and crop stay per stream,
// frame-step.ts). ORT's run blocks the worker's thread, so frames that arrive during a run queue up
// in the inbox; the next batch takes them, and may wait up to maxWaitMs for the streams still missing.
import type * as ort from "onnxruntime-node";
import type { ExecutionProvider } from "./execution-provider.js";
import type { FrameStep, PreparedStep } from "./frame-step.js";
import type { Inbox, ProcessMessage, Queued } from "./inbox.js";
import { paddedKey } from "./padding.js";
import { runModel } from "./session.js";
import type { FromWorker } from "./worker-protocol.js";

export interface BatchOptions {
  /** Frames per network run; 1 = no batching; "auto" = by execution provider (autoBatchSize). */
  maxSize: number | "auto";
  /** How long the oldest frame of a batch may wait for more (counted from its arrival). */
  maxWaitMs: number;
}

/**
 * "auto" batch size per execution provider. cpu: 1, off — measured on the 2-core box
 * (bench/batching.bench.ts, 4 streams at 640x360): the network's time per frame is about the same at
 * N = 4 as at N = 1 (both use the same 2 cores), so whole-step throughput did not rise (×0.77–1.11
 * over alternating runs, within the box's noise) while every frame of a batch waits for the whole
 * run. webgpu/cuda: 4 — there a run's fixed cost (kernel launches, transfers) is a large share for
 * this small network and N frames should cost much less than N runs; not measured here (no GPU on the box).
 */
const autoBatchSize: Record<ExecutionProvider, number> = { cpu: 1, webgpu: 4, cuda: 4 };

export function resolveBatchSize(maxSize: BatchOptions["maxSize"], ep: ExecutionProvider): number {
  return maxSize === "auto" ? autoBatchSize[ep] : maxSize;
}

export interface GatherOptions {
  maxSize: number;
  maxWaitMs: number;
  stride: number;
  /** The streams at a padded size ("WxH") whose last frame finished before `since`: the ones a batch
   *  can wait for. One that finished later was served while this frame queued; its next frame comes
   *  when its caller sends it, and the caller may be waiting on this frame (Promise.all). */
  peers: (size: string, since: number) => number[];
}

/** The batch that `first` (the oldest queued frame) runs in: queued frames of other streams at the
 *  same padded size, and those that arrive while a peer stream has none queued, until maxWaitMs
 *  after `first` arrived. */
export async function gatherBatch(
  inbox: Inbox,
  first: Queued<ProcessMessage>,
  o: GatherOptions,
): Promise<Queued<ProcessMessage>[]> {
  const size = paddedKey(first.m.width, first.m.height, o.stride);
  const fits = (m: ProcessMessage) => paddedKey(m.width, m.height, o.stride) === size;
  const batch = [first];
  const taken = new Set([first.m.stream]);
  const deadline = first.arrived + o.maxWaitMs;
  for (;;) {
    for (const q of inbox.takeFrames(fits, taken, o.maxSize - batch.length)) {
      batch.push(q);
      taken.add(q.m.stream);
    }
    // A peer with a message still queued is held up behind it (inbox.ts): no use waiting for it.
    const missing = o.peers(size, first.arrived).some((s) => !taken.has(s) && !inbox.has(s));
    const left = deadline - performance.now();
    if (batch.length >= o.maxSize || !missing || left <= 0) return batch;
    await inbox.arrival(left);
  }
}

/** Runs a batch (one frame per stream) and replies to each frame: the drawing, or the error. */
export async function runBatch(
  session: ort.InferenceSession,
  batch: { m: ProcessMessage; step: FrameStep }[],
  post: (m: FromWorker, transfer?: ArrayBuffer[]) => void,
): Promise<void> {
  const started = performance.now();
  const ready: { id: number; prepared: PreparedStep }[] = [];
  for (const { m, step } of batch) {
    try {
      ready.push({ id: m.id, prepared: await step.prepare(m.id, m) });
    } catch (error) {
      post({ type: "reply", id: m.id, error });
    }
  }
  if (ready.length === 0) return;
  // ORT's run blocks this thread: let messages already sent arrive first, so that their flow starts
  // (flow-ahead.ts) and runs on the other core during the run.
  await new Promise(setImmediate);
  const feeds = ready.map((r) => r.prepared.feeds);
  let sketches: Uint8Array[];
  try {
    sketches = await runModel(session, feeds);
  } catch (error) {
    for (const r of ready) post({ type: "reply", id: r.id, error });
    return;
  }
  post({ type: "batch", size: ready.length });
  const ms = performance.now() - started;
  for (const [i, r] of ready.entries()) {
    const { sketch, sceneCut } = r.prepared.finish(sketches[i] as Uint8Array);
    const buffer = sketch.buffer as ArrayBuffer;
    post({ type: "reply", id: r.id, frame: { sketch: buffer, sceneCut, ms } }, [buffer]);
  }
}
