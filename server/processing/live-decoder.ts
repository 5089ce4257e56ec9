import type { types } from "mediasoup";
import type { RgbFrame } from "../decode/ppm-frame-reader.js";
import { startRtpDecoder } from "../decode/rtp-decoder.js";
import type { FfmpegProcess } from "../ffmpeg/ffmpeg.js";
import { type RtpTap, tapProducer } from "../ingress/plain-rtp-tap.js";

/**
 * A decoder ffmpeg listening on its own plain-RTP tap of a browser producer. It starts idle (the tap's
 * consumer paused) so it can wait as a warm spare: starting ffmpeg takes 0.2 s on an idle machine and
 * over a second on a busy one, too slow to replace a crashed decoder within a second.
 */
export class LiveDecoder {
  private constructor(
    readonly tap: RtpTap,
    readonly process: FfmpegProcess,
  ) {}

  /**
   * The tap's port was free when it was picked but another process may bind it first (ffmpeg then
   * exits with "Address already in use"); such a start is tried again on a new port, twice.
   */
  static async start(
    router: types.Router,
    source: types.Producer,
    onFrame: (frame: RgbFrame, from: LiveDecoder) => void,
    /** The camera's resolution changed: this decoder's frames keep the old size (rtp-decoder.ts). */
    onSourceResized: (from: LiveDecoder) => void,
    fit?: { width: number; height: number },
  ): Promise<LiveDecoder> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await LiveDecoder.startOnce(router, source, onFrame, onSourceResized, fit);
      } catch (err) {
        if (attempt >= 3 || !(err instanceof Error && /Address already in use/.test(err.message))) throw err;
      }
    }
  }

  private static async startOnce(
    router: types.Router,
    source: types.Producer,
    onFrame: (frame: RgbFrame, from: LiveDecoder) => void,
    onSourceResized: (from: LiveDecoder) => void,
    fit: { width: number; height: number } | undefined,
  ): Promise<LiveDecoder> {
    const tap = await tapProducer(router, source);
    let self: LiveDecoder | undefined;
    try {
      const process = await startRtpDecoder(
        tap.sdp,
        tap.port,
        (frame) => self && onFrame(frame, self),
        () => self && onSourceResized(self),
        fit,
      );
      self = new LiveDecoder(tap, process);
      return self;
    } catch (err) {
      tap.close();
      throw err;
    }
  }

  get exited(): Promise<unknown> {
    return this.process.exited;
  }

  /** Lets RTP flow to ffmpeg (ask for a keyframe next: decoding starts at one). */
  activate(): Promise<void> {
    return this.tap.consumer.resume();
  }

  close(): void {
    this.process.kill();
    this.tap.close();
  }
}
