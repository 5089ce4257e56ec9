// The native flow + warp addon against scenes whose true motion is known (models/README.md,
// "Runtime temporal inputs"); its split form is temporal-warp-async.test.ts. Needs
// `npm run build:native`.
import { describe, expect, it } from "vitest";
import { TemporalWarp } from "../../server/engine/flow/temporal-warp.js";
import { crop, grayToRgb, junkOutputs, texture, withSensorNoise } from "../helpers/texture.js";

/** A textured world larger than the view, with a sketch drawn in the same coordinates. */
function world(width: number, height: number, seed = 1) {
  const margin = 32;
  const cw = width + 2 * margin;
  const gray = texture(cw, height + 2 * margin, seed);
  // Inverted, so warping the gray image instead of the sketch would be caught.
  const sketch = gray.map((v) => 255 - v);
  /** The view when the content has moved by (dx, dy) from the start: view(x, y) = start(x - dx, y - dy). */
  const view = (dx: number, dy: number) => ({
    gray: crop(gray, cw, margin - dx, margin - dy, width, height),
    rgb: grayToRgb(crop(gray, cw, margin - dx, margin - dy, width, height)),
    sketch: crop(sketch, cw, margin - dx, margin - dy, width, height),
  });
  return { view };
}

const outputs = junkOutputs;

const all = (a: Uint8Array, v: number) => a.every((x) => x === v);

/** The w x h rectangle at (x0, y0) of an image `width` wide, as a flat list. */
function region(img: Uint8Array, width: number, x0: number, y0: number, w: number, h: number): number[] {
  const out: number[] = [];
  for (let y = y0; y < y0 + h; y++) out.push(...img.subarray(y * width + x0, y * width + x0 + w));
  return out;
}

describe.each([
  // Flow at full resolution.
  { width: 320, height: 180, dx: 6, dy: -4, meanTol: 2 },
  // Wider than 640: flow on a 1/3 copy (427x240, not an exact division) scaled back up.
  { width: 1283, height: 721, dx: 12, dy: -9, meanTol: 3 },
])("TemporalWarp $width x $height", ({ width, height, dx, dy, meanTol }) => {
  const { view } = world(width, height);
  const start = view(0, 0);
  const moved = view(dx, dy);

  it("warps the previous sketch along a known shift and marks it valid", () => {
    const tw = new TemporalWarp(width, height);
    const out = outputs(width, height);
    expect(tw.next(start.rgb, start.sketch, out.prev, out.mask)).toBe(0);
    const valid = tw.next(moved.rgb, start.sketch, out.prev, out.mask);
    expect(valid).toBeGreaterThan(0.9);

    let sum = 0;
    let unwarped = 0;
    let bad = 0;
    let lowMask = 0;
    let n = 0;
    const inset = 16;
    for (let y = inset; y < height - inset; y++) {
      for (let x = inset; x < width - inset; x++) {
        const i = y * width + x;
        const err = Math.abs((out.prev[i] as number) - (moved.sketch[i] as number));
        sum += err;
        unwarped += Math.abs((start.sketch[i] as number) - (moved.sketch[i] as number));
        if (err > 16) bad++;
        if ((out.mask[i] as number) < 250) lowMask++;
        n++;
      }
    }
    // The shift itself is large compared with the tolerance, so an identity "warp" fails.
    expect(unwarped / n).toBeGreaterThan(20);
    expect(sum / n).toBeLessThan(meanTol);
    expect(bad / n).toBeLessThan(0.01);
    expect(lowMask / n).toBeLessThan(0.01);
    tw.close();
  });

  it("gives mask 0 (and paper) where the content comes from outside the previous frame", () => {
    const tw = new TemporalWarp(width, height);
    const out = outputs(width, height);
    tw.next(start.rgb, start.sketch, out.prev, out.mask);
    tw.next(moved.rgb, start.sketch, out.prev, out.mask);
    // Content moved right by dx and up by -dy: the first dx columns and last -dy rows are new.
    // One pixel of slack for flow error.
    let wrong = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (x < dx - 1 && (out.mask[i] !== 0 || out.prev[i] !== 255)) wrong++;
        if (y > height + dy && out.mask[i] !== 0) wrong++;
      }
    }
    expect(wrong).toBe(0);
    tw.close();
  });

  it("leaves a still scene's drawing where it was despite sensor noise (zero motion)", () => {
    const tw = new TemporalWarp(width, height);
    const out = outputs(width, height);
    tw.next(start.rgb, start.sketch, out.prev, out.mask);
    // The same view with fresh noise (uniform +-20): DIS alone returns sub-pixel flow here that
    // resamples the drawing (measured: 73-75 % of it came back unchanged, 100 % with zero motion).
    const noisy = withSensorNoise(start.gray, 20, 12345);
    expect(tw.next(grayToRgb(noisy), start.sketch, out.prev, out.mask)).toBeGreaterThan(0.9);
    const unmoved = out.prev.filter((v, i) => v === start.sketch[i]).length / out.prev.length;
    expect(unmoved).toBeGreaterThan(0.95);
    tw.close();
  });

  it("gives mask 0 on a region that changed, and keeps the rest valid", () => {
    const tw = new TemporalWarp(width, height);
    const out = outputs(width, height);
    tw.next(start.rgb, start.sketch, out.prev, out.mask);
    // An object that was not there before: a 4-px checkerboard patch pasted into the moved view.
    const size = Math.round(width / 7);
    const px = width >> 1;
    const py = height >> 2;
    const occluded = moved.gray.slice();
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++)
        occluded[(py + y) * width + px + x] = ((x >> 2) + (y >> 2)) % 2 ? 255 : 0;
    }
    expect(tw.next(grayToRgb(occluded), start.sketch, out.prev, out.mask)).toBeGreaterThan(0.8);

    const inPatch = region(out.mask, width, px + 3, py + 3, size - 6, size - 6);
    expect(inPatch.filter((v) => v === 0).length / inPatch.length).toBeGreaterThan(0.95);
    // A band left of the patch, 16 px away from it, is untouched content.
    const beside = region(out.mask, width, px - 32, py, 16, size);
    expect(beside.filter((v) => v >= 128).length / beside.length).toBeGreaterThan(0.95);
    tw.close();
  });

  it("treats an unrelated image as a scene cut: low valid fraction, paper and mask 0", () => {
    const tw = new TemporalWarp(width, height);
    const out = outputs(width, height);
    tw.next(start.rgb, start.sketch, out.prev, out.mask);
    const other = world(width, height, 99).view(0, 0);
    expect(tw.next(other.rgb, start.sketch, out.prev, out.mask)).toBeLessThan(0.3);
    expect(all(out.prev, 255)).toBe(true);
    expect(all(out.mask, 0)).toBe(true);
    tw.close();
  });
});

describe("TemporalWarp state", () => {
  const width = 160;
  const height = 96;
  const { view } = world(width, height);
  const a = view(0, 0);
  const b = view(3, 2);
  const c = view(6, 4);

  it("fills paper and mask 0 on the first frame and without a previous sketch, yet remembers the frame", () => {
    const tw = new TemporalWarp(width, height);
    expect(tw.width).toBe(width);
    expect(tw.height).toBe(height);
    const out = outputs(width, height);
    expect(tw.next(a.rgb, a.sketch, out.prev, out.mask)).toBe(0);
    expect(all(out.prev, 255) && all(out.mask, 0)).toBe(true);

    out.prev.fill(7);
    out.mask.fill(7);
    expect(tw.next(b.rgb, null, out.prev, out.mask)).toBe(0);
    expect(all(out.prev, 255) && all(out.mask, 0)).toBe(true);

    // b was remembered although no sketch came with it.
    expect(tw.next(c.rgb, b.sketch, out.prev, out.mask)).toBeGreaterThan(0.9);
    tw.close();
  });

  it("forgets the previous frame on reset()", () => {
    const tw = new TemporalWarp(width, height);
    const out = outputs(width, height);
    tw.next(a.rgb, a.sketch, out.prev, out.mask);
    tw.reset();
    expect(tw.next(b.rgb, a.sketch, out.prev, out.mask)).toBe(0);
    expect(all(out.prev, 255) && all(out.mask, 0)).toBe(true);
    expect(tw.next(c.rgb, b.sketch, out.prev, out.mask)).toBeGreaterThan(0.9);
    tw.close();
  });

  it("computes each flow from scratch, not seeded by earlier ones", () => {
    // The Python side computes each flow from scratch; DIS would seed it from a reused output. (Zero
    // motion compares with the last flow, but a steady shift like this one never trips it.)
    const long = new TemporalWarp(width, height);
    const fresh = new TemporalWarp(width, height);
    const x = outputs(width, height);
    const y = outputs(width, height);
    long.next(a.rgb, null, x.prev, x.mask);
    long.next(b.rgb, a.sketch, x.prev, x.mask);
    long.next(c.rgb, b.sketch, x.prev, x.mask);
    fresh.next(b.rgb, null, y.prev, y.mask);
    fresh.next(c.rgb, b.sketch, y.prev, y.mask);
    expect(Buffer.compare(x.prev, y.prev)).toBe(0);
    expect(Buffer.compare(x.mask, y.mask)).toBe(0);
    long.close();
    fresh.close();
  });

  it("accepts prevSketch sharing memory with outPrev", () => {
    const expected = outputs(width, height);
    const ref = new TemporalWarp(width, height);
    ref.next(a.rgb, null, expected.prev, expected.mask);
    ref.next(b.rgb, a.sketch, expected.prev, expected.mask);
    ref.close();

    const n = width * height;
    const memory = new Uint8Array(n + width);
    // The same buffer, and outPrev one row behind prevSketch.
    for (const [sketchAt, outAt] of [
      [0, 0],
      [width, 0],
    ] as const) {
      const tw = new TemporalWarp(width, height);
      const mask = new Uint8Array(n);
      tw.next(a.rgb, null, memory.subarray(0, n), mask);
      const sketch = memory.subarray(sketchAt, sketchAt + n);
      sketch.set(a.sketch);
      tw.next(b.rgb, sketch, memory.subarray(outAt, outAt + n), mask);
      expect(Buffer.compare(memory.subarray(outAt, outAt + n), expected.prev)).toBe(0);
      expect(Buffer.compare(mask, expected.mask)).toBe(0);
      tw.close();
    }
  });

  it("rejects bad dimensions and arguments with TypeError/RangeError, and keeps working", () => {
    const ctor = TemporalWarp as unknown as new (...args: unknown[]) => TemporalWarp;
    expect(() => new ctor()).toThrow(TypeError);
    expect(() => new ctor("640", 360)).toThrow(TypeError);
    for (const [w, h] of [
      [0, 360],
      [-640, 360],
      [640, 15],
      [4097, 360],
      [640.5, 360],
      [Number.NaN, 360],
      [Number.POSITIVE_INFINITY, 360],
    ]) {
      expect(() => new TemporalWarp(w as number, h as number)).toThrow(RangeError);
    }

    const tw = new TemporalWarp(width, height);
    const n = width * height;
    const out = outputs(width, height);
    const next = tw.next.bind(tw) as (...args: unknown[]) => number;
    expect(() => next(a.rgb, a.sketch, out.prev)).toThrow(TypeError);
    expect(() => next(new Uint8Array(n * 3 - 1), null, out.prev, out.mask)).toThrow(RangeError);
    expect(() => next(new Float32Array(n * 3), null, out.prev, out.mask)).toThrow(TypeError);
    expect(() => next(new Uint8ClampedArray(n * 3), null, out.prev, out.mask)).toThrow(TypeError);
    expect(() => next(Array.from(a.rgb), null, out.prev, out.mask)).toThrow(TypeError);
    expect(() => next(a.rgb, 255, out.prev, out.mask)).toThrow(TypeError);
    expect(() => next(a.rgb, new Uint8Array(n + 1), out.prev, out.mask)).toThrow(RangeError);
    expect(() => next(a.rgb, null, new Uint8Array(n * 3), out.mask)).toThrow(RangeError);
    expect(() => next(a.rgb, null, out.prev, "mask")).toThrow(TypeError);
    expect(() => next(a.rgb, null, out.prev, out.prev)).toThrow(RangeError);
    const both = new Uint8Array(2 * n);
    expect(() => next(a.rgb, null, both.subarray(0, n), both.subarray(n - 1, 2 * n - 1))).toThrow(/overlap/);

    // Still usable after all that.
    expect(tw.next(a.rgb, null, out.prev, out.mask)).toBe(0);
    expect(tw.next(b.rgb, a.sketch, out.prev, out.mask)).toBeGreaterThan(0.9);

    // hold(): once per warp, on a drawing of its own.
    const hold = tw.hold.bind(tw) as (...args: unknown[]) => void;
    expect(() => hold(out.prev, out.prev, out.mask)).toThrow(/overlap/);
    expect(() => hold(new Uint8Array(n - 1), out.prev, out.mask)).toThrow(RangeError);
    expect(() => hold(new Float32Array(n), out.prev, out.mask)).toThrow(TypeError);
    hold(b.sketch.slice(), out.prev, out.mask);
    expect(() => hold(b.sketch.slice(), out.prev, out.mask)).toThrow(/no warped frame/);

    tw.close();
    tw.close();
    expect(() => tw.next(c.rgb, b.sketch, out.prev, out.mask)).toThrow(/close/);
    expect(() => tw.reset()).toThrow(/close/);
    expect(() => hold(b.sketch.slice(), out.prev, out.mask)).toThrow(/close/);
  });
});

describe("TemporalWarp on a sub-pixel pan", () => {
  const width = 320;
  const height = 180;
  const margin = 32;
  // The world at twice the resolution; a view is its 2x2 block means from (ox, oy), so moving the
  // view by 3 px there is a 1.5 px pan here, and every warp resamples at half a pixel.
  const w2 = 2 * (width + 2 * margin);
  const gray2 = texture(w2, 2 * (height + 2 * margin), 3);
  // A drawing of thin strokes: a dark 2 px line (1 px here) every 10 px, slanted.
  const strokes2 = gray2.map((_, i) => (((i % w2) + Math.floor(i / w2) * 0.5) % 20 < 2 ? 20 : 255));
  const view = (img2: Uint8Array, ox: number) => {
    const out = new Uint8Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const i = (2 * y + 2 * margin) * w2 + 2 * x + ox;
        out[y * width + x] = Math.round(
          ((img2[i] as number) +
            (img2[i + 1] as number) +
            (img2[i + w2] as number) +
            (img2[i + w2 + 1] as number)) /
            4,
        );
      }
    return out;
  };
  /** Mean |horizontal difference| over the columns the pan has not brought in from outside. */
  const crispness = (img: Uint8Array) => {
    let sum = 0;
    let n = 0;
    for (let y = 8; y < height - 8; y++)
      for (let x = 48; x < width - 8; x++) {
        sum += Math.abs((img[y * width + x] as number) - (img[y * width + x - 1] as number));
        n++;
      }
    return sum / n;
  };

  it("carries a drawing along its own warps without blurring its strokes away (the sharpening)", () => {
    const frames = 10;
    const tw = new TemporalWarp(width, height);
    const out = outputs(width, height);
    let carried = view(strokes2, 2 * margin);
    tw.next(grayToRgb(view(gray2, 2 * margin)), null, out.prev, out.mask);
    for (let t = 1; t <= frames; t++) {
      expect(
        tw.next(grayToRgb(view(gray2, 2 * margin - 3 * t)), carried, out.prev, out.mask),
      ).toBeGreaterThan(0.8);
      carried = out.prev.slice();
    }
    // Ten half-pixel warps of plain bilinear resampling keep 0.31 of the strokes' contrast between
    // neighbours; sharpened by the blur each warp caused, 0.54 (measured, this scene).
    const truth = view(strokes2, 2 * margin - 3 * frames);
    expect(crispness(carried) / crispness(truth)).toBeGreaterThan(0.45);
    tw.close();
  });
});
