// Colored pencil: the pencil drawing coloured by the frame it was drawn from. The network draws
// gray (its temporal state stays gray); each stroke then takes the frame's colour at that pixel,
// desaturated and lightened a little, and bare paper stays white. The integer formula is the spec
// in models/teacher.py (colorize), which test/models/colorize-spec.test.ts holds this to, byte for
// byte. Composed here rather than by the network: the colour is the frame's own, so the network
// needs no colour output and colour costs nothing unless asked for.

/** The stroke colour's saturation relative to the frame's (teacher.colorize's default, 0.45). */
const saturation256 = 115;

// The formula in two tables, so a channel costs two lookups: 1.9 ms a 640x360 frame instead of 2.5
// for the formula computed per pixel (median of 200, one core). strokeColour[(Y << 8) | c]: the
// channel's stroke colour k_c, from the pixel's luma Y and the channel's value c;
// onPaper[(ink << 8) | k]: the output channel.
const strokeColour = new Uint8Array(65536);
const onPaper = new Uint8Array(65536);
for (let a = 0; a < 256; a++) {
  for (let b = 0; b < 256; b++) {
    const d = Math.min(255, Math.max(0, a + ((saturation256 * (b - a)) >> 8)));
    strokeColour[(a << 8) | b] = (15 * d + 255 + 8) >> 4;
    onPaper[(a << 8) | b] = 255 - Math.floor((a * (255 - b) + 127) / 255);
  }
}

/** Whether a width*height drawing the engine returned is colored pencil's rgb24 (else gray). */
export function isColorDrawing(drawing: Uint8Array, width: number, height: number): boolean {
  return drawing.length === width * height * 3;
}

/**
 * gray: width*height drawing (255 = paper); rgb: the frame, rows `rgbStride` pixels apart (the
 * padded frame the network saw). Returns the width*height rgb24 drawing.
 */
export function colorize(
  gray: Uint8Array,
  rgb: Uint8Array,
  width: number,
  height: number,
  rgbStride = width,
): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    let g = y * width;
    let o = g * 3;
    let i = y * rgbStride * 3;
    for (let x = 0; x < width; x++, g++, i += 3) {
      const ink = (255 - (gray[g] as number)) << 8;
      const r = rgb[i] as number;
      const gr = rgb[i + 1] as number;
      const b = rgb[i + 2] as number;
      const luma = ((77 * r + 150 * gr + 29 * b + 128) >> 8) << 8;
      out[o++] = onPaper[ink | (strokeColour[luma | r] as number)] as number;
      out[o++] = onPaper[ink | (strokeColour[luma | gr] as number)] as number;
      out[o++] = onPaper[ink | (strokeColour[luma | b] as number)] as number;
    }
  }
  return out;
}
