// The decoder's output framing: PPM images split at any byte, with a size change in between.
import { expect, test } from "vitest";
import { PpmFrameReader, type RgbFrame } from "../../server/decode/ppm-frame-reader.js";

function ppm(width: number, height: number, fill: number): Buffer {
  return Buffer.concat([
    Buffer.from(`P6\n${width} ${height}\n255\n`),
    Buffer.alloc(width * height * 3, fill),
  ]);
}

test("frames come out whole whatever the chunking, each with its own size", () => {
  const stream = Buffer.concat([ppm(4, 2, 10), ppm(6, 3, 20), ppm(4, 2, 30)]);
  for (const chunk of [1, 3, 7, 16, 25, stream.length]) {
    const frames: RgbFrame[] = [];
    const reader = new PpmFrameReader((f) => frames.push(f));
    for (let i = 0; i < stream.length; i += chunk) reader.push(stream.subarray(i, i + chunk));
    expect(frames.map((f) => [f.width, f.height, f.data.length, f.data[0], f.data.at(-1)])).toEqual([
      [4, 2, 24, 10, 10],
      [6, 3, 54, 20, 20],
      [4, 2, 24, 30, 30],
    ]);
  }
});

test("a stream that is not PPM is refused", () => {
  const reader = new PpmFrameReader(() => {});
  expect(() => reader.push(Buffer.alloc(100, 0x41))).toThrow(/not a PPM stream/);
});
