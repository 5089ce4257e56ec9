import { isColorDrawing } from "../engine/index.js";
import { lumaInto } from "./luma.js";

/**
 * The latency probe: the top eighth of the output shows the input (its luma, or its colours in a
 * colored drawing) instead of the drawing. The benchmark puts a frame-number code there; a sketch
 * would turn its flat black blocks into outlines on paper, so the band bypasses the model (the frame
 * still waits for it).
 */
export function copyProbeBand(rgb: Uint8Array, drawing: Uint8Array, width: number, height: number): void {
  const pixels = width * Math.ceil(height / 8);
  if (isColorDrawing(drawing, width, height)) drawing.set(rgb.subarray(0, pixels * 3));
  else lumaInto(rgb, drawing, pixels);
}
