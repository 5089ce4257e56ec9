// Opens the ONNX Runtime session on the configured execution provider, falling back to CPU with one
// warning when the provider can't start. onnxruntime-node does not fall back by itself: with
// ["webgpu", "cpu"] it throws "No supported adapters" on a GPU-less box instead. A warm-up run on a
// tiny frame is part of opening, so a provider that loads but can't run also falls back, and a model
// that breaks the contract (models/README.md) fails here rather than on the first real frame.
import * as ort from "onnxruntime-node";
import type { ExecutionProvider } from "../config/schema.js";

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

/** One run of the sketch network: the h*w sketch. */
export async function runModel(session: ort.InferenceSession, f: ModelFeeds): Promise<Uint8Array> {
  const { width: w, height: h } = f;
  const out = await session.run({
    frame: new ort.Tensor("uint8", f.frame, [1, h, w, 3]),
    prev: new ort.Tensor("uint8", f.prev, [1, h, w, 1]),
    mask: new ort.Tensor("uint8", f.mask, [1, h, w, 1]),
    style: new ort.Tensor("float32", f.style, [1, f.style.length]),
    detail: new ort.Tensor("float32", Float32Array.of(f.detail), [1, 1]),
  });
  const sketch = out.sketch;
  if (sketch?.type !== "uint8" || sketch.data.length !== w * h) {
    throw new Error(`model output "sketch" is not a uint8 ${w}x${h} image`);
  }
  return sketch.data as Uint8Array;
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
    await runModel(session, {
      ...warmup,
      frame: new Uint8Array(n * 3),
      prev: blank,
      mask: new Uint8Array(n),
    });
    return session;
  } catch (err) {
    await session.release();
    throw err;
  }
}

export async function openSession(
  model: Uint8Array,
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
  return { session: await openOn(model, "cpu", threads, warmup), ep: "cpu" };
}
