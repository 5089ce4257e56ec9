// Cuts a byte stream of raw frames into whole frames, reading ahead at most `ahead` frames: beyond
// that the stream is paused, so ffmpeg blocks on its pipe instead of filling our memory.
import type { Readable } from "node:stream";

export class TruncatedFrameError extends Error {
  override name = "TruncatedFrameError";
}

export class FrameReader {
  private readonly ready: Uint8Array[] = [];
  private current: Uint8Array;
  private filled = 0;
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly stream: Readable,
    readonly frameBytes: number,
    private readonly ahead: number,
  ) {
    this.current = new Uint8Array(frameBytes);
    stream.on("data", (chunk: Buffer) => this.take(chunk));
    stream.on("end", () => {
      if (this.filled > 0)
        this.error ??= new TruncatedFrameError(
          `stream ended inside a frame (${this.filled} of ${frameBytes} bytes)`,
        );
      this.finish();
    });
    stream.on("error", (err) => {
      this.error ??= err;
      this.finish();
    });
    stream.on("close", () => this.finish());
  }

  /** The next whole frame, or null at the end of the stream. */
  async next(): Promise<Uint8Array | null> {
    while (this.ready.length === 0 && !this.ended) await new Promise<void>((r) => (this.wake = r));
    const frame = this.ready.shift();
    if (this.ready.length < this.ahead && !this.ended) this.stream.resume();
    if (frame) return frame;
    if (this.error) throw this.error;
    return null;
  }

  private take(chunk: Buffer): void {
    for (let off = 0; off < chunk.length; ) {
      const n = Math.min(chunk.length - off, this.frameBytes - this.filled);
      this.current.set(chunk.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
      if (this.filled === this.frameBytes) {
        this.ready.push(this.current);
        this.current = new Uint8Array(this.frameBytes);
        this.filled = 0;
      }
    }
    if (this.ready.length >= this.ahead) this.stream.pause();
    this.signal();
  }

  private finish(): void {
    this.ended = true;
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
