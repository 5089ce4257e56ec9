// Edge-replicate padding to the model's stride and cropping back, row by row with TypedArray
// copies (no per-pixel JS).

/** Copies a w×h image with c channels into the top-left of a pw×ph buffer, replicating the last
 *  column to the right and the last row downwards. */
export function padEdge(
  src: Uint8Array,
  w: number,
  h: number,
  c: number,
  pw: number,
  ph: number,
  dst: Uint8Array,
): void {
  const row = w * c;
  const prow = pw * c;
  for (let y = 0; y < h; y++) {
    const o = y * prow;
    dst.set(src.subarray(y * row, y * row + row), o);
    // Grow the run of copies of the last pixel by doubling: log2(pw - w) copies per row.
    const last = o + row - c;
    for (let filled = c; filled < prow - row + c; ) {
      const len = Math.min(filled, prow - row + c - filled);
      dst.copyWithin(last + filled, last, last + len);
      filled += len;
    }
  }
  for (let y = h; y < ph; y++) dst.copyWithin(y * prow, (h - 1) * prow, h * prow);
}

/** The top-left w×h of a single-channel image pw pixels wide. */
export function cropTopLeft(src: Uint8Array, pw: number, w: number, h: number): Uint8Array {
  if (pw === w) return src.slice(0, w * h);
  const dst = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) dst.set(src.subarray(y * pw, y * pw + w), y * w);
  return dst;
}

/** The size a w×h frame runs at: each side rounded up to a multiple of the model's stride. */
export function paddedSize(w: number, h: number, stride: number): { pw: number; ph: number } {
  return { pw: Math.ceil(w / stride) * stride, ph: Math.ceil(h / stride) * stride };
}

/** paddedSize as "WxH": frames with the same one can share a batched run of the network. */
export function paddedKey(w: number, h: number, stride: number): string {
  const { pw, ph } = paddedSize(w, h, stride);
  return `${pw}x${ph}`;
}
