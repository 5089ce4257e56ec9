// The sketch net alone, both committed models (the float original and its int8 quantization, which
// cpu sessions run by default), in onnxruntime-node on CPU with the runtime's session settings
// (session.ts: 2 intra-op threads, graph optimization 'all', no spinning). Median ms per frame and
// the CPU time per frame (both threads). SKETCH_ONNX adds another model.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import * as ort from "onnxruntime-node";
import { openSession } from "../server/engine/session.js";
import { modelPaths } from "../server/paths.js";
import { type BenchSection, median, percentile } from "./section.js";

const models = [
  modelPaths.float,
  modelPaths.int8,
  ...(process.env.SKETCH_ONNX ? [process.env.SKETCH_ONNX] : []),
];

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
  const rows: Record<string, string | number>[] = [];
  const sizes = [
    [640, 368, 60],
    [1280, 720, 20],
  ] as const;
  // Models alternate per size, so a change in the box's load hits both alike.
  const sessions = await Promise.all(
    models.map(async (path) => {
      const model = new Uint8Array(await readFile(path));
      return { path, session: (await openSession(model, model, "cpu", 2, 16, 3, () => {})).session };
    }),
  );
  for (const [w, h, runs] of sizes) {
    const input = feeds(h, w);
    for (const { path, session } of sessions) {
      for (let i = 0; i < 5; i++) await session.run(input);
      const ms: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await session.run(input);
        ms.push(performance.now() - t0);
      }
      const cpu = process.cpuUsage(cpu0);
      rows.push({
        model: basename(path),
        size: `${w}x${h}`,
        runs,
        "median ms": +median(ms).toFixed(2),
        "p90 ms": +percentile(ms, 90).toFixed(2),
        "cpu ms/frame": +((cpu.user + cpu.system) / 1000 / runs).toFixed(2),
        "fps (net only)": +(1000 / median(ms)).toFixed(1),
      });
    }
  }
  for (const { session } of sessions) await session.release();
  return {
    name: "sketch net (onnxruntime-node CPU, 2 threads, optimization 'all')",
    rows,
    notes: ["the whole step (flow + warp + net) is measured by the convert bench"],
  };
}
