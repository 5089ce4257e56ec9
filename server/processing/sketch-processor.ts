import type { types } from "mediasoup";
import type { RgbFrame } from "../decode/ppm-frame-reader.js";
import { createSketchOutput, type SketchOutput } from "../egress/sketch-output.js";
import type { DrawingFormat } from "../encode/vp8-rtp-encoder.js";
import { isColorDrawing } from "../engine/index.js";
import { requestKeyFramesUntilStopped } from "../ingress/keyframe-requests.js";
import type { Logger } from "../log.js";
import type { FrameStream } from "./frame-stream.js";
import { LatestSlot } from "./latest-slot.js";
import { LiveDecoder } from "./live-decoder.js";
import { LiveEncoder } from "./live-encoder.js";
import { MediaArrival } from "./media-arrival.js";
import { copyProbeBand } from "./probe-band.js";
import {
  liveFfmpegRestarts,
  liveFramesDropped,
  liveFramesIn,
  liveFramesOut,
  liveLatencyMs,
  livePipelines,
  liveProcessMs,
} from "./processing-metrics.js";
import { WarmSpare } from "./warm-spare.js";

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

/** How long one frame spent in the server between the decoder and the encoder. */
export interface FrameTiming {
  /** From the decoder's output to the encoder's input: mailbox wait, processing and handover. */
  latencyMs: number;
  /** The stream.process call alone (with the model: the wait for the shared engine worker too). */
  processMs: number;
}

export interface ProcessorOptions {
  router: types.Router;
  /** The browser's camera producer. */
  source: types.Producer;
  stream: FrameStream;
  /** Show the input's top band unprocessed (latency benchmark, see probe-band.ts). */
  probe: boolean;
  log: Logger;
  /** Called for every frame handed to the encoder (per-frame figures for a stats view or a benchmark). */
  onFrameOut?: (timing: FrameTiming) => void;
  /** The pipeline ends when its camera sends nothing this long while not paused. Default 10 s. */
  idleTimeoutMs?: number;
  /** Larger camera frames are scaled down to fit this before drawing (call tiles); default: none. */
  fit?: { width: number; height: number };
}

/** Why a pipeline ended by itself: its camera producer closed, it sent nothing for too long, or its
 *  decoder could not start. */
export type PipelineEndReason = "source-closed" | "no-media" | "failed";

/** A decoder this long without a frame is asked for a keyframe. */
const stallMs = 400;
/** Spares start this long after a switch (see WarmSpare). */
const spareDelayMs = 1500;

/**
 * One browser camera through the live loop: plain RTP → ffmpeg decode → stream.process → ffmpeg
 * VP8 encode → plain RTP → `output.producer`. Stages hand over through one-slot mailboxes, so a
 * busy model or encoder drops frames (newest wins) instead of adding delay. Decoders and encoders
 * each run under a WarmSpare: a loaded spare takes over when one exits, when the camera changes
 * resolution (decoders) and when the frame size changes (encoders). No ffmpeg starts before the
 * camera's first RTP arrives, and the pipeline ends itself when the source producer goes away or
 * sends nothing for the idle timeout, so a client that produces without sending holds no processes.
 */
export class SketchProcessor {
  private readonly counts = { framesIn: 0, framesOut: 0, dropped: 0, processMs: 0, width: 0, height: 0 };
  /** The newest decoded frame and when it came out of the decoder. */
  private readonly decoded = new LatestSlot<{ frame: RgbFrame; at: number }>();
  /** Keyed by a generation: a resolution change asks for a decoder of the next one. */
  private readonly decoders: WarmSpare<LiveDecoder, number>;
  private decoderGeneration = 0;
  private readonly encoders: WarmSpare<LiveEncoder, DrawingFormat>;
  private stopKeyFrames: (() => void) | undefined;
  private lastFrameAt = performance.now();
  private processing = false;
  private closing: Promise<void> | undefined;
  private readonly onClosed: ((reason: PipelineEndReason | undefined) => void)[] = [];
  private endReason: PipelineEndReason | undefined;
  private readonly watchdog = setInterval(() => this.checkStall(), 100);
  /** The first RTP starts the decoder (ffmpeg listens before RTP reaches it: its tap's consumer
   *  stays paused until it is ready, and a keyframe is asked for then); silence ends the pipeline. */
  private readonly media: MediaArrival;

  private constructor(
    private readonly opts: ProcessorOptions,
    readonly output: SketchOutput,
    private readonly log: Logger,
  ) {
    livePipelines.inc();
    this.decoders = new WarmSpare<LiveDecoder, number>({
      start: () => this.newDecoder(),
      activate: async (decoder) => {
        await decoder.activate();
        this.requestKeyFrames();
      },
      onCrash: (decoder) => this.crashed("decoder", decoder.process.stderrTail()),
      onError: (err) => this.log.error({ err }, "could not start a live decoder"),
      sameKey: (a, b) => a === b,
      spareDelayMs,
      retryMs: 1000,
    });
    this.encoders = new WarmSpare<LiveEncoder, DrawingFormat>({
      start: async (key) => new LiveEncoder(this.output.target, key),
      activate: () => {},
      onCrash: (encoder) => this.crashed("encoder", encoder.process.stderrTail()),
      onError: (err) => this.log.error({ err }, "could not start a live encoder"),
      sameKey: (a, b) => a.width === b.width && a.height === b.height && a.color === b.color,
      spareDelayMs,
      retryMs: 1000,
    });
    this.media = new MediaArrival(
      opts.source,
      opts.idleTimeoutMs ?? 10_000,
      () => this.startDecoding(),
      () => this.end("no-media"),
    );
    opts.source.observer.once("close", () => void this.end("source-closed"));
  }

  get stream(): FrameStream {
    return this.opts.stream;
  }

  static async start(opts: ProcessorOptions): Promise<SketchProcessor> {
    const output = await createSketchOutput(opts.router, { source: opts.source.id });
    return new SketchProcessor(opts, output, opts.log.child({ producer: opts.source.id }));
  }

  stats(): PipelineStats {
    return {
      ...this.counts,
      decoderPid: this.decoders.active?.process.pid,
      encoderPid: this.encoders.active?.process.pid,
    };
  }

  /**
   * Runs `fn` once the pipeline has closed, with the reason when it ended by itself (undefined when
   * its owner closed it).
   */
  onClose(fn: (reason: PipelineEndReason | undefined) => void): void {
    this.onClosed.push(fn);
  }

  /** Ends the ffmpegs, the RTP plumbing and the stream; resolves when the ffmpegs have exited. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.watchdog);
      this.media.close();
      this.stopKeyFrames?.();
      const children = Promise.all([this.decoders.close(), this.encoders.close()]);
      this.output.close();
      this.opts.stream.close();
      livePipelines.dec();
      await children;
      for (const fn of this.onClosed) fn(this.endReason);
    })();
    return this.closing;
  }

  private end(reason: PipelineEndReason): void {
    if (this.closing) return;
    this.endReason = reason;
    if (reason === "no-media") this.log.info("the camera sent nothing for the idle timeout; pipeline ends");
    void this.close();
  }

  private crashed(role: "decoder" | "encoder", stderr: string): void {
    liveFfmpegRestarts.inc({ role });
    this.log.warn({ stderr: stderr.slice(-300) }, `live ${role} exited; its spare takes over`);
  }

  private startDecoding(): void {
    void this.decoders.use(this.decoderGeneration).then((decoder) => {
      if (!decoder && !this.closing) {
        this.log.error("the live decoder did not start; pipeline ends");
        this.end("failed");
      }
    });
  }

  private newDecoder(): Promise<LiveDecoder> {
    return LiveDecoder.start(
      this.opts.router,
      this.opts.source,
      (frame, from) => {
        if (from === this.decoders.active) this.onDecoded(frame);
      },
      (from) => {
        if (from === this.decoders.active) this.onSourceResized();
      },
      this.opts.fit,
    );
  }

  /**
   * The camera changed resolution: its decoder now scales to the old size, so a decoder of the next
   * generation (the spare is of this one: a fresh one starts now) takes over, sizing itself by the
   * first frame it decodes after the keyframe asked for on the switch; the encoder follows.
   */
  private onSourceResized(): void {
    if (this.closing) return;
    this.log.info("the camera changed resolution; a fresh decoder takes over");
    void this.decoders.use(++this.decoderGeneration);
  }

  /**
   * Asks for keyframes while the active decoder is silent: at start, after a swap, and after packet
   * loss (ffmpeg's depacketizers drop everything after a lost packet until the next keyframe, and
   * browsers send keyframes only when asked).
   */
  private checkStall(): void {
    const consumer = this.decoders.active?.tap.consumer;
    if (!consumer || this.stopKeyFrames || consumer.paused || consumer.producerPaused) return;
    if (performance.now() - this.lastFrameAt > stallMs) this.requestKeyFrames();
  }

  private requestKeyFrames(): void {
    const decoder = this.decoders.active;
    if (!decoder) return;
    this.stopKeyFrames?.();
    this.stopKeyFrames = requestKeyFramesUntilStopped(decoder.tap.consumer);
  }

  private onDecoded(frame: RgbFrame): void {
    this.stopKeyFrames?.();
    this.stopKeyFrames = undefined;
    this.lastFrameAt = performance.now();
    this.counts.framesIn++;
    liveFramesIn.inc();
    if (this.decoded.put({ frame, at: this.lastFrameAt })) this.dropped("model");
    void this.pump();
  }

  /**
   * Processes the newest decoded frame until none is waiting; one frame in the model at a time.
   * The engine runs in its own thread, so frames keep arriving (and replacing each other in the
   * slot) while a frame is in the model: the next run always starts on the newest frame.
   */
  private async pump(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let d = this.decoded.take(); d && !this.closing; d = this.decoded.take()) {
        const f = d.frame;
        const started = performance.now();
        let drawing: Uint8Array;
        try {
          drawing = await this.opts.stream.process(f.data, f.width, f.height);
        } catch (err) {
          if (!this.closing) this.log.warn({ err }, "live frame not processed");
          continue;
        }
        this.counts.processMs = performance.now() - started;
        liveProcessMs.observe(this.counts.processMs);
        if (this.opts.probe) copyProbeBand(f.data, drawing, f.width, f.height);
        await this.encode(drawing, f.width, f.height);
        const latencyMs = performance.now() - d.at;
        liveLatencyMs.observe(latencyMs);
        this.opts.onFrameOut?.({ latencyMs, processMs: this.counts.processMs });
      }
    } finally {
      this.processing = false;
    }
  }

  /** Hands the drawing (gray, or rgb24 for colored pencil) to the encoder of its size and kind
   *  (switching encoders when either changed: the output's relay makes the switch invisible to
   *  viewers). */
  private async encode(drawing: Uint8Array, width: number, height: number): Promise<void> {
    const key = { width, height, color: isColorDrawing(drawing, width, height) };
    const encoder = this.encoders.serves(key) ? this.encoders.active : await this.encoders.use(key);
    if (!encoder || this.closing) return;
    if (encoder.offer(drawing)) this.dropped("encoder");
    this.counts.width = width;
    this.counts.height = height;
    this.counts.framesOut++;
    liveFramesOut.inc();
  }

  private dropped(stage: "model" | "encoder"): void {
    this.counts.dropped++;
    liveFramesDropped.inc({ stage });
  }
}
