import { type DrawingFormat, type RtpTarget, startVp8RtpEncoder } from "../encode/vp8-rtp-encoder.js";
import type { FfmpegProcess } from "../ffmpeg/ffmpeg.js";
import { LatestSlot } from "./latest-slot.js";

/**
 * One VP8 encoder ffmpeg for one frame size and kind (gray, or rgb24 for colored pencil), fed without
 * queueing: a frame is written only when ffmpeg has taken the previous one off the pipe; meanwhile
 * the newest frame waits in one slot.
 */
export class LiveEncoder {
  readonly process: FfmpegProcess;
  private readonly pending = new LatestSlot<Uint8Array>();

  constructor(target: RtpTarget, frames: DrawingFormat) {
    this.process = startVp8RtpEncoder(target, frames);
    this.process.stdin.on("drain", () => {
      const next = this.pending.take();
      if (next) this.process.stdin.write(next);
    });
  }

  get exited(): Promise<unknown> {
    return this.process.exited;
  }

  close(): void {
    this.process.kill();
  }

  /** Hands a frame over; returns true when an older waiting frame was dropped for it. */
  offer(frame: Uint8Array): boolean {
    if (this.process.stdin.writableNeedDrain) return this.pending.put(frame);
    this.process.stdin.write(frame);
    return false;
  }
}
