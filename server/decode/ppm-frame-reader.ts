/** One decoded picture: packed RGB, 3 bytes a pixel. */
export interface RgbFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

const maxHeader = 64;

/**
 * Splits a byte stream of binary PPM images (P6, maxval 255: what ffmpeg's `ppm` encoder writes
 * to image2pipe) into frames. Each image carries its own size, so a resolution change mid-stream
 * needs no side channel.
 */
export class PpmFrameReader {
  private header = Buffer.alloc(0);
  private frame: RgbFrame | undefined;
  private filled = 0;

  constructor(private readonly onFrame: (frame: RgbFrame) => void) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.frame) {
        offset = this.readHeader(chunk, offset);
        continue;
      }
      const n = Math.min(chunk.length - offset, this.frame.data.length - this.filled);
      this.frame.data.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.frame.data.length) {
        const done = this.frame;
        this.frame = undefined;
        this.onFrame(done);
      }
    }
  }

  /** Consumes header bytes from chunk[offset..]; returns the offset after what it consumed. */
  private readHeader(chunk: Buffer, offset: number): number {
    const take = Math.min(chunk.length - offset, maxHeader - this.header.length);
    const bytes = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
    const m = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.toString("latin1"));
    if (!m) {
      if (bytes.length >= maxHeader) throw new Error("ffmpeg output is not a PPM stream");
      this.header = bytes;
      return offset + take;
    }
    const [width, height, maxval] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (maxval !== 255) throw new Error(`unsupported PPM maxval ${maxval}`);
    this.frame = { data: new Uint8Array(width * height * 3), width, height };
    this.filled = 0;
    // The header ended inside `bytes`; what follows it is pixel data from this chunk.
    const used = m[0].length - this.header.length;
    this.header = Buffer.alloc(0);
    return offset + used;
  }
}
