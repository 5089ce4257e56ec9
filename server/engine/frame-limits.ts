// The largest frame the engine takes: 8K UHD (7680x4320 ≈ 33.2 Mpx), up to 8192 px a side. Above
// that a frame's tensors alone need gigabytes; such sizes are mistakes or hostile headers.
export const maxFrameSide = 8192;
export const maxFramePixels = 7680 * 4320;

/** Why a frame of this size is refused, or undefined when it is fine. */
export function frameSizeProblem(width: number, height: number): string | undefined {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    return `frame size ${width}x${height} is not a positive integer size`;
  }
  if (width > maxFrameSide || height > maxFrameSide || width * height > maxFramePixels) {
    return `frame is ${width}x${height}; the maximum is ${maxFrameSide} px a side and ${(maxFramePixels / 1e6).toFixed(1)} Mpx`;
  }
  return undefined;
}
