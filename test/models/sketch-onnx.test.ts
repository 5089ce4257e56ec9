// The committed models (sketch.onnx, and sketch-int8.onnx that cpu sessions run) against the
// contract (models/README.md) in the runtime that serves them: onnxruntime-node on CPU.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const here = dirname(fileURLToPath(import.meta.url));
// Each with the golden its script writes: export.py (PyTorch), quantize.py (PyTorch with the int8
// model's rounding, which evaluate.py --int8 measures).
const committed = [
  { file: "sketch.onnx", golden: "golden.json", script: "models/export.py" },
  { file: "sketch-int8.onnx", golden: "golden-int8.json", script: "models/quantize.py" },
];

interface Golden {
  sha256: string;
  h: number;
  w: number;
  seed: number;
  blockMeans: number[];
}

/** A deterministic photo-like frame: smooth gradients, a dark disc and a bright bar (edges for lines). */
function syntheticFrame(h: number, w: number, seed: number): Uint8Array {
  const out = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const disc = (x - w * 0.4) ** 2 + (y - h * 0.5) ** 2 < (h * 0.3) ** 2;
      const bar = x > w * 0.7 && x < w * 0.8;
      const base = 90 + ((x * 97 + y * 31 + seed * 53) % 120);
      for (let c = 0; c < 3; c++) {
        out[(y * w + x) * 3 + c] = disc ? 30 + c * 10 : bar ? 240 : Math.min(255, base + c * 5);
      }
    }
  }
  return out;
}

function feeds(
  n: number,
  h: number,
  w: number,
  opts: { seed?: number; prev?: number; mask?: number; style?: number[] } = {},
): Record<string, ort.Tensor> {
  const frame = new Uint8Array(n * h * w * 3);
  for (let i = 0; i < n; i++) frame.set(syntheticFrame(h, w, (opts.seed ?? 0) + i), i * h * w * 3);
  return {
    frame: new ort.Tensor("uint8", frame, [n, h, w, 3]),
    prev: new ort.Tensor("uint8", new Uint8Array(n * h * w).fill(opts.prev ?? 255), [n, h, w, 1]),
    mask: new ort.Tensor("uint8", new Uint8Array(n * h * w).fill(opts.mask ?? 0), [n, h, w, 1]),
    style: new ort.Tensor(
      "float32",
      Float32Array.from(Array.from({ length: n }, () => opts.style ?? [1, 0, 0]).flat()),
      [n, 3],
    ),
    detail: new ort.Tensor("float32", new Float32Array(n).fill(0.5), [n, 1]),
  };
}

/** ONNX `metadata_props` (ModelProto field 14: StringStringEntryProto {key = 1, value = 2}), read
 *  with a minimal protobuf walk because onnxruntime-node does not expose them. */
function metadataProps(buf: Buffer): Record<string, string> {
  const varint = (b: Buffer, pos: number): [number, number] => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const byte = b[pos++] as number;
      v += (byte & 0x7f) * mul;
      mul *= 128;
      if (byte < 0x80) return [v, pos];
    }
  };
  // Yields [field number, wire type, payload start, payload end] of one message's fields.
  const fields = function* (b: Buffer): Generator<[number, number, number, number]> {
    let pos = 0;
    while (pos < b.length) {
      const [tag, p1] = varint(b, pos);
      const [field, wire] = [Math.floor(tag / 8), tag & 7];
      if (wire === 0) pos = varint(b, p1)[1];
      else if (wire === 1) pos = p1 + 8;
      else if (wire === 5) pos = p1 + 4;
      else if (wire === 2) {
        const [len, p2] = varint(b, p1);
        yield [field, wire, p2, p2 + len];
        pos = p2 + len;
      } else throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  };
  const props: Record<string, string> = {};
  for (const [field, , start, end] of fields(buf)) {
    if (field !== 14) continue;
    const entry = buf.subarray(start, end);
    const kv: string[] = [];
    for (const [f, , s, e] of fields(entry)) kv[f] = entry.subarray(s, e).toString("utf8");
    if (kv[1] !== undefined) props[kv[1]] = kv[2] ?? "";
  }
  return props;
}

/** Means of 8x8 blocks: robust to single-pixel rounding flips between CPU kernels, sensitive to any
 *  real change of the weights. */
function blockMeans(img: Uint8Array, h: number, w: number): number[] {
  const out: number[] = [];
  for (let by = 0; by < h; by += 8) {
    for (let bx = 0; bx < w; bx += 8) {
      let s = 0;
      for (let y = by; y < by + 8; y++) for (let x = bx; x < bx + 8; x++) s += img[y * w + x] as number;
      out.push(s / 64);
    }
  }
  return out;
}

describe.each(committed)("models/$file", ({ file, golden: goldenFile, script }) => {
  const modelPath = join(root, "models", file);
  const goldenPath = join(here, goldenFile);
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: 2,
      graphOptimizationLevel: "all",
      executionProviders: ["cpu"],
    });
  });
  afterAll(async () => {
    await session?.release();
  });

  it("has the contract's inputs, output and metadata", async () => {
    expect(session.inputNames).toEqual(["frame", "prev", "mask", "style", "detail"]);
    expect(session.outputNames).toEqual(["sketch"]);
    const meta = session.inputMetadata;
    const byName = Object.fromEntries(meta.map((m) => [m.name, m]));
    for (const [name, type, shape] of [
      ["frame", "uint8", ["N", "H", "W", 3]],
      ["prev", "uint8", ["N", "H", "W", 1]],
      ["mask", "uint8", ["N", "H", "W", 1]],
      ["style", "float32", ["N", 3]],
      ["detail", "float32", ["N", 1]],
    ] as const) {
      const m = byName[name];
      expect(m?.isTensor).toBe(true);
      if (m?.isTensor) {
        expect(m.type).toBe(type);
        expect(m.shape).toEqual(shape);
      }
    }
    const out = session.outputMetadata[0];
    expect(out?.isTensor && out.type).toBe("uint8");
    expect(metadataProps(readFileSync(modelPath))).toMatchObject({
      stride: "16",
      styles: "pencil,ink,charcoal",
    });
    expect(metadataProps(readFileSync(modelPath)).version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("runs non-square frames and batch 2, each batch item as if alone", async () => {
    const [h, w] = [48, 80];
    const two = await session.run(feeds(2, h, w, { seed: 3 }));
    const sketch = two.sketch as ort.Tensor;
    expect(sketch.type).toBe("uint8");
    expect(sketch.dims).toEqual([2, h, w, 1]);
    const data = sketch.data as Uint8Array;
    for (let i = 0; i < 2; i++) {
      const one = (await session.run(feeds(1, h, w, { seed: 3 + i }))).sketch as ort.Tensor;
      expect(one.dims).toEqual([1, h, w, 1]);
      const a = data.subarray(i * h * w, (i + 1) * h * w);
      const b = one.data as Uint8Array;
      let maxDiff = 0;
      for (let j = 0; j < a.length; j++)
        maxDiff = Math.max(maxDiff, Math.abs((a[j] as number) - (b[j] as number)));
      expect(maxDiff).toBeLessThanOrEqual(1);
    }
  });

  it("draws: dark lines on paper, different per style", async () => {
    const [h, w] = [64, 96];
    const out = (style: number[]) =>
      session.run(feeds(1, h, w, { style })).then((r) => (r.sketch as ort.Tensor).data as Uint8Array);
    const pencil = await out([1, 0, 0]);
    const ink = await out([0, 1, 0]);
    const paper = pencil.filter((v) => v >= 230).length / pencil.length;
    const dark = pencil.filter((v) => v < 128).length / pencil.length;
    expect(paper).toBeGreaterThan(0.2);
    expect(dark).toBeGreaterThan(0.01);
    let diff = 0;
    for (let i = 0; i < pencil.length; i++) diff += Math.abs((pencil[i] as number) - (ink[i] as number));
    expect(diff / pencil.length).toBeGreaterThan(2);
  });

  it("hatches a dark area: strokes on paper, not a gray wash", async () => {
    // the synthetic frame's dark disc, 6 px in from its edge (its outline is a line, not hatching)
    const [h, w] = [96, 128];
    const d = ((await session.run(feeds(1, h, w))).sketch as ort.Tensor).data as Uint8Array;
    const inner: number[] = [];
    let step = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w - 1; x++) {
        if ((x - w * 0.4) ** 2 + (y - h * 0.5) ** 2 >= (h * 0.3 - 6) ** 2) continue;
        inner.push(d[y * w + x] as number);
        step += Math.abs((d[y * w + x] as number) - (d[y * w + x + 1] as number));
      }
    }
    const share = (p: (v: number) => boolean) => inner.filter(p).length / inner.length;
    expect(
      share((v) => v >= 200),
      "bare paper between the strokes",
    ).toBeGreaterThan(0.1);
    expect(
      share((v) => v <= 150),
      "strokes",
    ).toBeGreaterThan(0.2);
    // a smooth wash (model 3.0.0) changes little from pixel to pixel; strokes do
    expect(step / inner.length, "crisp: neighbouring pixels differ").toBeGreaterThan(15);
  });

  it("follows a valid warped previous drawing more than an invalid one", async () => {
    const [h, w] = [64, 96];
    const dist = async (mask: number) => {
      const r = await session.run(feeds(1, h, w, { prev: 100, mask }));
      const d = (r.sketch as ort.Tensor).data as Uint8Array;
      return d.reduce((s, v) => s + Math.abs(v - 100), 0) / d.length;
    };
    expect(await dist(255)).toBeLessThan((await dist(0)) - 5);
  });

  it(`matches PyTorch's output for this exact model file (golden written by ${script})`, async () => {
    const golden = JSON.parse(readFileSync(goldenPath, "utf8")) as Golden;
    const sha256 = createHash("sha256").update(readFileSync(modelPath)).digest("hex");
    expect(sha256, `models/${file} changed without re-running ${script}`).toBe(golden.sha256);
    const r = await session.run(feeds(1, golden.h, golden.w, { seed: golden.seed }));
    const means = blockMeans((r.sketch as ort.Tensor).data as Uint8Array, golden.h, golden.w);
    expect(means.length).toBe(golden.blockMeans.length);
    // onnxruntime and PyTorch differ in float rounding, which flips a few pixels by ±1 level: a
    // block mean of 64 pixels moves by well under 1 (int8: requantization rounds a little
    // differently too). Wrong weights, layout (NHWC/NCHW, H/W swap), normalisation or quantization
    // parameters move many blocks by tens of levels.
    const worst = Math.max(...means.map((m, i) => Math.abs(m - (golden.blockMeans[i] as number))));
    expect(worst).toBeLessThan(1);
    // The frame has a dark disc, a bright bar and gradients: a drawing of it is not flat.
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(20);
  });
});
