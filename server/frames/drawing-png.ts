// A drawing (gray, width*height bytes, or rgb24 for colored pencil) → an 8-bit grayscale or RGB PNG,
// in-process: one deflate on libuv's thread pool is far cheaper than an ffmpeg per reply, and the
// event loop does not wait for it.

import { promisify } from "node:util";
import { crc32, deflate } from "node:zlib";
import { isColorDrawing } from "../engine/index.js";

const deflateAsync = promisify(deflate);
const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export async function encodeDrawingPng(drawing: Uint8Array, width: number, height: number): Promise<Buffer> {
  const color = isColorDrawing(drawing, width, height);
  const stride = width * (color ? 3 : 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  // 8 bits, grayscale (0) or RGB (2), deflate, no filter method, no interlace
  ihdr.set([8, color ? 2 : 0, 0, 0, 0], 8);
  // Each row behind its filter byte; "Up" (2) turns the paper and the long strokes into zeros.
  const rows = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const at = y * (stride + 1);
    rows[at] = 2;
    for (let x = 0; x < stride; x++) {
      const i = y * stride + x;
      rows[at + 1 + x] = ((drawing[i] as number) - (y > 0 ? (drawing[i - stride] as number) : 0)) & 0xff;
    }
  }
  const idat = await deflateAsync(rows, { level: 6 });
  return Buffer.concat([
    signature,
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array()),
  ]);
}
