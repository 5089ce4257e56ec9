// The sketch net alone (models/sketch.onnx, or SKETCH_ONNX) in onnxruntime-node on CPU with the
// runtime's settings: 2 intra-op threads, graph optimization 'all'. Median ms per frame.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { type BenchSection, median, percentile } from "./section.js";

const here = dirname(fileURLToPath(import.meta.url));
const modelPath = process.env.SKETCH_ONNX ?? join(here, "..", "models", "sketch.onnx");

function feeds(h: number, w: number): Record<string, ort.Tensor> {
  const frame = new Uint8Array(h * w * 3);
  // A smooth gradient with some structure, so no branch can shortcut on constant input.
  for (let i = 0; i < frame.length; i++) frame[i] = (i * 7 + ((i / (w * 3)) | 0) * 3) & 255;
  return {
    frame: new ort.Tensor("uint8", frame, [1, h, w, 3]),
    prev: new ort.Tensor("uint8", new Uint8Array(h * w).fill(255), [1, h, w, 1]),
    mask: new ort.Tensor("uint8", new Uint8Array(h * w).fill(255), [1, h, w, 1]),
    style: new ort.Tensor("float32", Float32Array.from([1, 0, 0]), [1, 3]),
    detail: new ort.Tensor("float32", Float32Array.from([0.5]), [1, 1]),
  };
}

export default async function bench(): Promise<BenchSection> {
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionProviders: ["cpu"],
  });
  const rows: Record<string, string | number>[] = [];
  for (const [w, h, runs] of [
    [640, 368, 60],
    [1280, 720, 20],
  ] as const) {
    const input = feeds(h, w);
    for (let i = 0; i < 5; i++) await session.run(input);
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run(input);
      ms.push(performance.now() - t0);
    }
    rows.push({
      size: `${w}x${h}`,
      runs,
      "median ms": +median(ms).toFixed(2),
      "p90 ms": +percentile(ms, 90).toFixed(2),
      "fps (net only)": +(1000 / median(ms)).toFixed(1),
    });
  }
  await session.release();
  return {
    name: "sketch net (onnxruntime-node CPU, 2 threads, optimization 'all')",
    rows,
    notes: [`model: ${modelPath}`, "the whole step (flow + warp + net) is measured by the engine bench"],
  };
}
