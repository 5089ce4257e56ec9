// Opens the ONNX Runtime session on the configured execution provider, falling back to CPU with one
// warning when the provider can't start. onnxruntime-node does not fall back by itself: with
// ["webgpu", "cpu"] it throws "No supported adapters" on a GPU-less box instead. A warm-up run on a
// tiny frame is part of opening, so a provider that loads but can't run also falls back, and a model
// that breaks the contract (models/README.md) fails here rather than on the first real frame.
import * as ort from "onnxruntime-node";
import type { ExecutionProvider } from "./execution-provider.js";

export interface OpenedSession {
  session: ort.InferenceSession;
  ep: ExecutionProvider;
}

export interface ModelFeeds {
  /** RGB, h*w*3 bytes. */
  frame: Uint8Array;
  /** Warped previous sketch and its validity, h*w bytes each. */
  prev: Uint8Array;
  mask: Uint8Array;
  /** One weight per style, in the model's `styles` order. */
  style: Float32Array;
  detail: number;
  width: number;
  height: number;
}

/** One run of the sketch network over a batch of frames of one size (the model's N dimension): the
 *  h*w sketch of each, in order. The inputs are concatenated into batch tensors; a batch of one is
 *  passed without copies. The sketches are views into one output buffer. */
export async function runModel(session: ort.InferenceSession, batch: ModelFeeds[]): Promise<Uint8Array[]> {
  const first = batch[0];
  if (!first) throw new RangeError("runModel needs at least one frame");
  const { width: w, height: h } = first;
  if (batch.some((f) => f.width !== w || f.height !== h)) {
    throw new RangeError(`frames of different sizes in one batch (the first is ${w}x${h})`);
  }
  const n = batch.length;
  const detail = Float32Array.from(batch, (f) => f.detail);
  const out = await session.run({
    frame: new ort.Tensor("uint8", stack(batch, "frame", newBytes), [n, h, w, 3]),
    prev: new ort.Tensor("uint8", stack(batch, "prev", newBytes), [n, h, w, 1]),
    mask: new ort.Tensor("uint8", stack(batch, "mask", newBytes), [n, h, w, 1]),
    style: new ort.Tensor("float32", stack(batch, "style", newFloats), [n, first.style.length]),
    detail: new ort.Tensor("float32", detail, [n, 1]),
  });
  const sketch = out.sketch;
  if (sketch?.type !== "uint8" || sketch.data.length !== n * w * h) {
    throw new Error(`model output "sketch" is not ${n} uint8 ${w}x${h} image${n === 1 ? "" : "s"}`);
  }
  const data = sketch.data as Uint8Array;
  return batch.map((_, i) => data.subarray(i * w * h, (i + 1) * w * h));
}

const newBytes = (length: number) => new Uint8Array(length);
const newFloats = (length: number) => new Float32Array(length);

/** One input of every frame, end to end in a new array from `make`; a batch of one's own array. */
function stack<K extends "frame" | "prev" | "mask" | "style">(
  batch: ModelFeeds[],
  key: K,
  make: (length: number) => ModelFeeds[K],
): ModelFeeds[K] {
  if (batch.length === 1) return (batch[0] as ModelFeeds)[key];
  const all = make(batch.reduce((n, f) => n + f[key].length, 0));
  let at = 0;
  for (const f of batch) {
    all.set(f[key], at);
    at += f[key].length;
  }
  return all;
}

async function openOn(
  model: Uint8Array,
  ep: ExecutionProvider,
  threads: number,
  warmup: Omit<ModelFeeds, "frame" | "prev" | "mask">,
): Promise<ort.InferenceSession> {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [ep],
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    // Idle intra-op threads sleep instead of spinning: on 2 cores spinning threads starve the main
    // thread (live RTP relay, ffmpeg pipes); measured live 640x360: ~23-25 fps vs ~11-21 fps spinning.
    extra: { session: { intra_op: { allow_spinning: "0" } } },
    // Our fallback warning says why a provider failed; ORT's own error log line would repeat it.
    logSeverityLevel: ep === "cpu" ? 2 : 4,
  });
  try {
    const n = warmup.width * warmup.height;
    const blank = new Uint8Array(n).fill(255);
    await runModel(session, [
      { ...warmup, frame: new Uint8Array(n * 3), prev: blank, mask: new Uint8Array(n) },
    ]);
    return session;
  } catch (err) {
    await session.release();
    throw err;
  }
}

export async function openSession(
  model: Uint8Array,
  /** What a cpu session runs, in the first place or after the fallback. */
  cpuModel: Uint8Array,
  ep: ExecutionProvider,
  threads: number,
  stride: number,
  styleCount: number,
  /** Gets the one-line fallback warning (the session runs in a worker; the main thread logs it). */
  warn: (message: string) => void,
): Promise<OpenedSession> {
  const warmup = {
    style: new Float32Array(styleCount).fill(0).fill(1, 0, 1),
    detail: 0.5,
    width: stride,
    height: stride,
  };
  if (ep !== "cpu") {
    try {
      return { session: await openOn(model, ep, threads, warmup), ep };
    } catch (err) {
      // ORT prefixes its reasons with a source location and the failed check; keep the reason.
      const reason = String((err as Error).message ?? err)
        .split("\n")[0]
        ?.replace(/^.*(?:was false\.|\[ONNXRuntimeError\][^:]*:[^:]*:[^:]*:)\s*/, "")
        .trim();
      warn(`execution provider "${ep}" unavailable (${reason}); falling back to cpu`);
    }
  }
  return { session: await openOn(cpuModel, "cpu", threads, warmup), ep: "cpu" };
}
