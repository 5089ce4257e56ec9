import type { types } from "mediasoup";
import type { RgbFrame } from "../decode/ppm-frame-reader.js";
import { startRtpDecoder } from "../decode/rtp-decoder.js";
import { createSketchOutput, type SketchOutput } from "../egress/sketch-output.js";
import type { FfmpegProcess } from "../ffmpeg/ffmpeg.js";
import { requestKeyFramesUntilStopped } from "../ingress/keyframe-requests.js";
import { type RtpTap, tapProducer } from "../ingress/plain-rtp-tap.js";
import type { Logger } from "../log.js";
import { LatestSlot } from "./latest-slot.js";
import { LiveEncoder } from "./live-encoder.js";
import {
  liveFfmpegRestarts,
  liveFramesDropped,
  liveFramesIn,
  liveFramesOut,
  livePipelines,
  liveProcessMs,
} from "./live-metrics.js";
import type { LiveStream } from "./live-stream.js";
import { copyProbeBand } from "./probe-band.js";

export interface PipelineStats {
  framesIn: number;
  framesOut: number;
  dropped: number;
  /** Processing time of the last frame, ms. */
  processMs: number;
  width: number;
  height: number;
  /** Process ids of the running decoder and encoder ffmpegs (tests kill them to check recovery). */
  decoderPid: number | undefined;
  encoderPid: number | undefined;
}

export interface PipelineOptions {
  router: types.Router;
  /** The browser's camera producer. */
  source: types.Producer;
  stream: LiveStream;
  /** Show the input's top band unprocessed (latency benchmark, see probe-band.ts). */
  probe: boolean;
  log: Logger;
}

/**
 * One browser camera through the live loop: plain RTP → ffmpeg decode → stream.process → ffmpeg
 * VP8 encode → plain RTP → `output.producer`. Stages hand over through one-slot mailboxes, so a
 * busy model or encoder drops frames (newest wins) instead of adding delay. An ffmpeg that exits
 * is restarted; the pipeline ends itself when the source producer goes away.
 */
export class SketchPipeline {
  private readonly counts = { framesIn: 0, framesOut: 0, dropped: 0, processMs: 0, width: 0, height: 0 };
  private readonly decoded = new LatestSlot<RgbFrame>();
  private decoder: FfmpegProcess | undefined;
  private encoder: LiveEncoder | undefined;
  private stopKeyFrames: (() => void) | undefined;
  private processing = false;
  private closing: Promise<void> | undefined;
  private readonly onClosed: (() => void)[] = [];

  private constructor(
    private readonly tap: RtpTap,
    readonly output: SketchOutput,
    readonly stream: LiveStream,
    private readonly probe: boolean,
    private readonly log: Logger,
  ) {
    livePipelines.inc();
    // The tap's consumer closes with the browser's producer or its transport.
    tap.consumer.observer.once("close", () => void this.close());
  }

  static async start(opts: PipelineOptions): Promise<SketchPipeline> {
    const tap = await tapProducer(opts.router, opts.source);
    let output: SketchOutput;
    try {
      output = await createSketchOutput(opts.router, { source: opts.source.id });
    } catch (err) {
      tap.close();
      throw err;
    }
    const log = opts.log.child({ producer: opts.source.id });
    const pipeline = new SketchPipeline(tap, output, opts.stream, opts.probe, log);
    try {
      // ffmpeg must listen before RTP flows; the consumer was created paused for that.
      await pipeline.startDecoder();
      await tap.consumer.resume();
    } catch (err) {
      await pipeline.close();
      throw err;
    }
    return pipeline;
  }

  stats(): PipelineStats {
    return { ...this.counts, decoderPid: this.decoder?.pid, encoderPid: this.encoder?.process.pid };
  }

  /** Runs `fn` once the pipeline has closed (also when it closes itself). */
  onClose(fn: () => void): void {
    this.onClosed.push(fn);
  }

  /** Ends both ffmpegs, the RTP plumbing and the stream; resolves when the ffmpegs have exited. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopKeyFrames?.();
      const children = [this.decoder, this.encoder?.process].filter((c) => c !== undefined);
      for (const child of children) child.kill();
      this.tap.close();
      this.output.close();
      this.stream.close();
      livePipelines.dec();
      await Promise.all(children.map((c) => c.exited));
      for (const fn of this.onClosed) fn();
    })();
    return this.closing;
  }

  private async startDecoder(): Promise<void> {
    const decoder = await startRtpDecoder(this.tap.sdp, this.tap.port, (frame) => {
      if (this.decoder === decoder) this.onDecoded(frame);
    });
    if (this.closing) return void decoder.kill();
    this.decoder = decoder;
    this.stopKeyFrames?.();
    this.stopKeyFrames = requestKeyFramesUntilStopped(this.tap.consumer);
    void decoder.exited.then(() => {
      if (this.closing || this.decoder !== decoder) return;
      liveFfmpegRestarts.inc({ role: "decoder" });
      this.log.warn({ stderr: decoder.stderrTail().slice(-500) }, "live decoder exited; restarting it");
      this.decoder = undefined;
      this.restartDecoder();
    });
  }

  private restartDecoder(): void {
    this.startDecoder().catch((err: unknown) => {
      if (this.closing) return;
      this.log.error({ err }, "live decoder failed to start; retrying in 1 s");
      setTimeout(() => this.closing || this.restartDecoder(), 1000);
    });
  }

  private onDecoded(frame: RgbFrame): void {
    if (this.stopKeyFrames) {
      this.stopKeyFrames();
      this.stopKeyFrames = undefined;
    }
    this.counts.framesIn++;
    liveFramesIn.inc();
    if (this.decoded.put(frame)) this.dropped("model");
    void this.pump();
  }

  /** Processes the newest decoded frame until none is waiting; one frame in the model at a time. */
  private async pump(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let f = this.decoded.take(); f && !this.closing; f = this.decoded.take()) {
        const started = performance.now();
        let gray: Uint8Array;
        try {
          gray = await this.stream.process(f.data, f.width, f.height);
        } catch (err) {
          if (!this.closing) this.log.warn({ err }, "live frame not processed");
          continue;
        }
        this.counts.processMs = performance.now() - started;
        liveProcessMs.observe(this.counts.processMs);
        if (this.probe) copyProbeBand(f.data, gray, f.width, f.height);
        this.encode(gray, f.width, f.height);
      }
    } finally {
      this.processing = false;
    }
  }

  private encode(gray: Uint8Array, width: number, height: number): void {
    if (this.closing) return;
    if (this.encoder?.width !== width || this.encoder.height !== height) this.startEncoder(width, height);
    const encoder = this.encoder as LiveEncoder;
    if (encoder.offer(gray)) this.dropped("encoder");
    this.counts.framesOut++;
    liveFramesOut.inc();
  }

  /** A new encoder for a new frame size, or to replace one that exited (it starts with keyframes). */
  private startEncoder(width: number, height: number): void {
    this.encoder?.process.kill();
    const encoder = new LiveEncoder(this.output.target, width, height);
    this.encoder = encoder;
    this.counts.width = width;
    this.counts.height = height;
    void encoder.process.exited.then(() => {
      if (this.closing || this.encoder !== encoder) return;
      liveFfmpegRestarts.inc({ role: "encoder" });
      this.log.warn(
        { stderr: encoder.process.stderrTail().slice(-500) },
        "live encoder exited; restarting it",
      );
      this.encoder = undefined; // the next frame starts a new one
    });
  }

  private dropped(stage: "model" | "encoder"): void {
    this.counts.dropped++;
    liveFramesDropped.inc({ stage });
  }
}
