import { describe, expect, it } from "vitest";
import { cropTopLeft, padEdge } from "../../server/engine/padding.js";

describe("padEdge / cropTopLeft", () => {
  it("replicates the last column and row, for 1 and 3 channels", () => {
    // 3×2, one channel: 1 2 3 / 4 5 6 → 5×4
    const one = new Uint8Array(20);
    padEdge(Uint8Array.of(1, 2, 3, 4, 5, 6), 3, 2, 1, 5, 4, one);
    expect([...one]).toEqual([1, 2, 3, 3, 3, 4, 5, 6, 6, 6, 4, 5, 6, 6, 6, 4, 5, 6, 6, 6]);
    // 2×1 RGB → 7×2: the last pixel (4,5,6) repeated
    const rgb = new Uint8Array(7 * 2 * 3);
    padEdge(Uint8Array.of(1, 2, 3, 4, 5, 6), 2, 1, 3, 7, 2, rgb);
    const row = [1, 2, 3, ...Array.from({ length: 6 }, () => [4, 5, 6]).flat()];
    expect([...rgb]).toEqual([...row, ...row]);
  });

  it("crops back to the original", () => {
    const src = Uint8Array.from({ length: 7 * 5 }, (_, i) => i);
    const padded = new Uint8Array(16 * 16);
    padEdge(src, 7, 5, 1, 16, 16, padded);
    expect(cropTopLeft(padded, 16, 7, 5)).toEqual(src);
  });
});
