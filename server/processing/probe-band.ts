import { lumaInto } from "./luma.js";

/**
 * The latency probe: the top eighth of the output shows the input's luma instead of the drawing.
 * The benchmark puts a frame-number code there; a sketch would turn its flat black blocks into
 * outlines on paper, so the band bypasses the model (the frame still waits for it).
 */
export function copyProbeBand(rgb: Uint8Array, gray: Uint8Array, width: number, height: number): void {
  lumaInto(rgb, gray, width * Math.ceil(height / 8));
}
