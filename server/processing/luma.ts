/** Writes the BT.601 luma (8-bit fixed point) of the first `pixels` rgb24 pixels into `gray`. */
export function lumaInto(rgb: Uint8Array, gray: Uint8Array, pixels: number): void {
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    gray[i] = (77 * (rgb[j] as number) + 150 * (rgb[j + 1] as number) + 29 * (rgb[j + 2] as number)) >> 8;
  }
}
