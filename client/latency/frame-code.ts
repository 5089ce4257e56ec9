// The frame number as a row of black and white blocks across the top band of a frame, one bit each,
// plus a white start and a black end block so a frame without a code is recognised. The band is the
// top eighth of the frame, which the server leaves unsketched for `probe` streams (probe-band.ts):
// a sketch would redraw flat black blocks as outlines on paper.
export const codeBits = 14;
const blocks = codeBits + 2;

export function bandHeight(height: number): number {
  return Math.ceil(height / 8);
}

export function drawCode(g: CanvasRenderingContext2D, n: number, width: number, height: number): void {
  const w = width / blocks;
  const h = bandHeight(height);
  for (let i = 0; i < blocks; i++) {
    const bit = i === 0 ? 1 : i === blocks - 1 ? 0 : (n >> (codeBits - i)) & 1;
    g.fillStyle = bit ? "#fff" : "#000";
    g.fillRect(Math.floor(i * w), 0, Math.ceil(w), h);
  }
}

/** Reads the code from RGBA pixels of the band (`width` × band height); undefined when absent. */
export function readCode(rgba: Uint8ClampedArray, width: number, band: number): number | undefined {
  const w = width / blocks;
  const bit = (i: number) => {
    // The middle of the block, away from edges that compression smears.
    const x0 = Math.floor(i * w + w / 4);
    const x1 = Math.floor(i * w + (3 * w) / 4);
    let sum = 0;
    let count = 0;
    for (let y = Math.floor(band / 4); y < Math.floor((3 * band) / 4); y++) {
      for (let x = x0; x < x1; x++) {
        const k = 4 * (y * width + x);
        sum += (rgba[k] as number) + (rgba[k + 1] as number) + (rgba[k + 2] as number);
        count += 3;
      }
    }
    const mean = sum / count;
    return mean > 170 ? 1 : mean < 85 ? 0 : undefined;
  };
  if (bit(0) !== 1 || bit(blocks - 1) !== 0) return undefined;
  let n = 0;
  for (let i = 1; i <= codeBits; i++) {
    const b = bit(i);
    if (b === undefined) return undefined;
    n = (n << 1) | b;
  }
  return n;
}
