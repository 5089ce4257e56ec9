import { type RtpTarget, startVp8RtpEncoder } from "../encode/vp8-rtp-encoder.js";
import type { FfmpegProcess } from "../ffmpeg/ffmpeg.js";
import { LatestSlot } from "./latest-slot.js";

/**
 * One VP8 encoder ffmpeg for one frame size, fed without queueing: a frame is written only when
 * ffmpeg has taken the previous one off the pipe; meanwhile the newest frame waits in one slot.
 */
export class LiveEncoder {
  readonly process: FfmpegProcess;
  private readonly pending = new LatestSlot<Uint8Array>();

  constructor(
    target: RtpTarget,
    readonly width: number,
    readonly height: number,
  ) {
    this.process = startVp8RtpEncoder(target, width, height);
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

  /** Hands a gray frame over; returns true when an older waiting frame was dropped for it. */
  offer(gray: Uint8Array): boolean {
    if (this.process.stdin.writableNeedDrain) return this.pending.put(gray);
    this.process.stdin.write(gray);
    return false;
  }
}
