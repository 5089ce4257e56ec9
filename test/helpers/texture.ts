// Synthetic scenes and sensor noise for the flow and model tests and the flow benchmark: deterministic,
// textured enough for optical flow.

/** Uniform values in [0, 1) from a xorshift32 generator, the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** `values` (any 8-bit image) plus fresh uniform noise of +-`amplitude` levels, clamped: a camera's
 *  sensor noise on a still view, different for each seed. */
export function withSensorNoise(values: Uint8Array, amplitude: number, seed: number): Uint8Array {
  const rand = seededRandom(seed);
  return values.map((v) =>
    Math.min(255, Math.max(0, v + Math.floor(rand() * (2 * amplitude + 1)) - amplitude)),
  );
}

/** A gray value-noise image (four octaves, equalized to 0..255), the same for the same seed. */
export function texture(width: number, height: number, seed: number): Uint8Array {
  const rand = seededRandom(seed);
  const smooth = (t: number): number => t * t * (3 - 2 * t);
  const acc = new Float32Array(width * height);
  for (const [cell, amp] of [
    [32, 1],
    [16, 0.6],
    [8, 0.4],
    [4, 0.25],
  ] as const) {
    const gw = Math.ceil(width / cell) + 2;
    const grid = Float32Array.from({ length: gw * (Math.ceil(height / cell) + 2) }, rand);
    for (let y = 0; y < height; y++) {
      const gy = Math.floor(y / cell);
      const ty = smooth(y / cell - gy);
      for (let x = 0; x < width; x++) {
        const gx = Math.floor(x / cell);
        const tx = smooth(x / cell - gx);
        const i = gy * gw + gx;
        const top = (grid[i] as number) * (1 - tx) + (grid[i + 1] as number) * tx;
        const bottom = (grid[i + gw] as number) * (1 - tx) + (grid[i + gw + 1] as number) * tx;
        acc[y * width + x] = (acc[y * width + x] as number) + amp * (top * (1 - ty) + bottom * ty);
      }
    }
  }
  // Equalize (through a 4096-bin histogram) so values spread over 0..255 like a contrasty photo's,
  // instead of piling up around mid-gray as a sum of octaves does.
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of acc) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const bins = 4096;
  const bin = (v: number): number => Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins));
  const cdf = new Float64Array(bins);
  for (const v of acc) cdf[bin(v)] = (cdf[bin(v)] as number) + 1;
  for (let i = 1; i < bins; i++) cdf[i] = (cdf[i] as number) + (cdf[i - 1] as number);
  return Uint8Array.from(acc, (v) => Math.round(((cdf[bin(v)] as number) / acc.length) * 255));
}

/** The width x height window of a gray image (stride `srcWidth`) whose top-left corner is (x0, y0). */
export function crop(
  src: Uint8Array,
  srcWidth: number,
  x0: number,
  y0: number,
  width: number,
  height: number,
) {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const from = (y0 + y) * srcWidth + x0;
    out.set(src.subarray(from, from + width), y * width);
  }
  return out;
}

/** RGB24 with R = G = B = gray, so the addon's grayscale conversion gives `gray` back. */
export function grayToRgb(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let i = 0; i < gray.length; i++) {
    const v = gray[i] as number;
    out[3 * i] = v;
    out[3 * i + 1] = v;
    out[3 * i + 2] = v;
  }
  return out;
}

/** outPrev / outMask buffers of junk, so that a test sees every output pixel written. */
export function junkOutputs(width: number, height: number) {
  return { prev: new Uint8Array(width * height).fill(7), mask: new Uint8Array(width * height).fill(7) };
}
