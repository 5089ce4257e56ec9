import type { types } from "mediasoup";
import type { RgbFrame } from "../decode/ppm-frame-reader.js";
import { createSketchOutput, type SketchOutput } from "../egress/sketch-output.js";
import { requestKeyFramesUntilStopped } from "../ingress/keyframe-requests.js";
import type { Logger } from "../log.js";
import type { FrameStream } from "./frame-stream.js";
import { LatestSlot } from "./latest-slot.js";
import { LiveDecoder } from "./live-decoder.js";
import { LiveEncoder } from "./live-encoder.js";
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
/**
 * Spares start this long after a switch: loading ffmpeg costs a busy machine a second of CPU, which
 * would otherwise compete with the recovering stream.
 */
const spareDelayMs = 1500;
/** How often the camera producer's byte count is read (media arrival and the idle timeout). */
const mediaPollMs = 250;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One browser camera through the live loop: plain RTP → ffmpeg decode → stream.process → ffmpeg
 * VP8 encode → plain RTP → `output.producer`. Stages hand over through one-slot mailboxes, so a
 * busy model or encoder drops frames (newest wins) instead of adding delay. Each ffmpeg has a warm
 * spare that takes over when it exits. No ffmpeg starts before the camera's first RTP arrives, and
 * the pipeline ends itself when the source producer goes away or sends nothing for the idle timeout,
 * so a client that produces without sending holds no processes for long.
 */
export class SketchProcessor {
  private readonly counts = { framesIn: 0, framesOut: 0, dropped: 0, processMs: 0, width: 0, height: 0 };
  /** The newest decoded frame and when it came out of the decoder. */
  private readonly decoded = new LatestSlot<{ frame: RgbFrame; at: number }>();
  private decoder: LiveDecoder | undefined;
  private spareDecoder: Promise<LiveDecoder | undefined> | undefined;
  private encoder: LiveEncoder | undefined;
  private spareEncoder: LiveEncoder | undefined;
  private stopKeyFrames: (() => void) | undefined;
  private lastFrameAt = performance.now();
  private processing = false;
  private closing: Promise<void> | undefined;
  private readonly onClosed: ((reason: PipelineEndReason | undefined) => void)[] = [];
  private endReason: PipelineEndReason | undefined;
  private readonly watchdog = setInterval(() => this.checkStall(), 100);
  private readonly mediaWatch = setInterval(() => void this.watchMedia(), mediaPollMs);
  private media = { bytes: 0, lastAt: performance.now(), polling: false, decoderStarted: false };

  private constructor(
    private readonly opts: ProcessorOptions,
    readonly output: SketchOutput,
    private readonly log: Logger,
  ) {
    livePipelines.inc();
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
    return { ...this.counts, decoderPid: this.decoder?.process.pid, encoderPid: this.encoder?.process.pid };
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
      clearInterval(this.mediaWatch);
      this.stopKeyFrames?.();
      const encoders = [this.encoder, this.spareEncoder].filter((e) => e !== undefined);
      this.decoder?.close();
      for (const e of encoders) e.process.kill();
      this.output.close();
      this.opts.stream.close();
      livePipelines.dec();
      // A spare still starting closes itself when it is ready (see useDecoder).
      const spare = await this.spareDecoder;
      spare?.close();
      const children = [this.decoder, spare, ...encoders].filter((c) => c !== undefined);
      await Promise.all(children.map((c) => c.process.exited));
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

  /**
   * Reads the camera producer's byte count: the first bytes start the decoder (ffmpeg listens before
   * RTP reaches it: its tap's consumer stays paused until it is ready, and a keyframe is asked for
   * then), and no new bytes for the idle timeout end the pipeline. A paused camera is not idle.
   */
  private async watchMedia(): Promise<void> {
    if (this.media.polling || this.closing) return;
    this.media.polling = true;
    try {
      const stats = await this.opts.source.getStats();
      const bytes = stats.reduce((sum, s) => sum + (s.byteCount ?? 0), 0);
      const now = performance.now();
      if (bytes > this.media.bytes || this.opts.source.paused) {
        this.media.bytes = bytes;
        this.media.lastAt = now;
        if (bytes > 0 && !this.media.decoderStarted) this.startDecoder();
      } else if (now - this.media.lastAt > (this.opts.idleTimeoutMs ?? 10_000)) {
        this.end("no-media");
      }
    } catch {
      // The producer closed meanwhile; its close event ends the pipeline.
    } finally {
      this.media.polling = false;
    }
  }

  private startDecoder(): void {
    this.media.decoderStarted = true;
    this.newDecoder()
      .then((decoder) => this.useDecoder(decoder))
      .catch((err: unknown) => {
        this.log.error({ err }, "could not start the live decoder; pipeline ends");
        this.end("failed");
      });
  }

  private newDecoder(): Promise<LiveDecoder> {
    return LiveDecoder.start(
      this.opts.router,
      this.opts.source,
      (frame, from) => {
        if (from === this.decoder) this.onDecoded(frame);
      },
      (from) => {
        if (from === this.decoder) void this.onSourceResized(from);
      },
      this.opts.fit,
    );
  }

  /**
   * The camera changed resolution: its decoder now scales to the old size, so the spare (which
   * sizes itself by the first frame it decodes, after the keyframe asked for on the switch) takes
   * over, and the encoder follows with the first frame of the new size.
   */
  private async onSourceResized(decoder: LiveDecoder): Promise<void> {
    if (this.closing) return;
    this.log.info("the camera changed resolution; a fresh decoder takes over");
    this.decoder = undefined;
    decoder.close();
    // A spare still waiting out its start delay (browsers resize within a second or two of the
    // start) would hold the switch back: end it and start one now. Listed first, a spare that is
    // already there wins the race.
    const pending = this.spareDecoder ?? Promise.resolve(undefined);
    const notYet = Symbol();
    const spare = await Promise.race([pending, Promise.resolve(notYet)]);
    if (spare === notYet) {
      this.spareDecoder = undefined;
      void pending.then((late) => late?.close());
    }
    await this.replaceDecoder();
  }

  /** Makes `decoder` the active one, lets RTP flow to it and gets a spare ready. */
  private async useDecoder(decoder: LiveDecoder): Promise<void> {
    if (this.closing) return decoder.close();
    this.decoder = decoder;
    await decoder.activate();
    this.requestKeyFrames();
    void decoder.process.exited.then(() => this.onDecoderExit(decoder));
    this.spareDecoder = sleep(spareDelayMs)
      .then(() => (this.closing ? undefined : this.newDecoder()))
      .then(
        (spare) => (this.closing ? void spare?.close() : spare),
        (err: unknown) => void this.log.error({ err }, "could not start a spare live decoder"),
      );
  }

  private async onDecoderExit(decoder: LiveDecoder): Promise<void> {
    decoder.close();
    if (this.closing || this.decoder !== decoder) return;
    liveFfmpegRestarts.inc({ role: "decoder" });
    this.log.warn(
      { stderr: decoder.process.stderrTail().slice(-300) },
      "live decoder exited; its spare takes over",
    );
    this.decoder = undefined;
    await this.replaceDecoder();
  }

  private async replaceDecoder(): Promise<void> {
    const spare = await this.spareDecoder;
    this.spareDecoder = undefined;
    const next =
      spare ?? (await this.newDecoder().catch((err: unknown) => void this.log.error({ err }, "no decoder")));
    if (next)
      await this.useDecoder(next).catch((err: unknown) => this.log.error({ err }, "decoder swap failed"));
    else if (!this.closing) setTimeout(() => void this.replaceDecoder(), 1000);
  }

  /**
   * Asks for keyframes while the active decoder is silent: at start, after a swap, and after packet
   * loss (ffmpeg's depacketizers drop everything after a lost packet until the next keyframe, and
   * browsers send keyframes only when asked).
   */
  private checkStall(): void {
    const consumer = this.decoder?.tap.consumer;
    if (!consumer || this.stopKeyFrames || consumer.paused || consumer.producerPaused) return;
    if (performance.now() - this.lastFrameAt > stallMs) this.requestKeyFrames();
  }

  private requestKeyFrames(): void {
    if (!this.decoder) return;
    this.stopKeyFrames?.();
    this.stopKeyFrames = requestKeyFramesUntilStopped(this.decoder.tap.consumer);
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
        let gray: Uint8Array;
        try {
          gray = await this.opts.stream.process(f.data, f.width, f.height);
        } catch (err) {
          if (!this.closing) this.log.warn({ err }, "live frame not processed");
          continue;
        }
        this.counts.processMs = performance.now() - started;
        liveProcessMs.observe(this.counts.processMs);
        if (this.opts.probe) copyProbeBand(f.data, gray, f.width, f.height);
        this.encode(gray, f.width, f.height);
        const latencyMs = performance.now() - d.at;
        liveLatencyMs.observe(latencyMs);
        this.opts.onFrameOut?.({ latencyMs, processMs: this.counts.processMs });
      }
    } finally {
      this.processing = false;
    }
  }

  private encode(gray: Uint8Array, width: number, height: number): void {
    if (this.closing) return;
    if (this.encoder?.width !== width || this.encoder.height !== height) this.useEncoder(width, height);
    const encoder = this.encoder as LiveEncoder;
    if (encoder.offer(gray)) this.dropped("encoder");
    this.counts.framesOut++;
    liveFramesOut.inc();
  }

  /**
   * Switches to an encoder for this size: the spare when it fits (loaded, waiting for its first
   * frame). The output's relay makes the switch invisible to viewers.
   */
  private useEncoder(width: number, height: number): void {
    this.encoder?.process.kill();
    const spare = this.spareEncoder;
    const fits = spare && spare.width === width && spare.height === height;
    if (spare && !fits) spare.process.kill();
    const encoder = fits ? spare : new LiveEncoder(this.output.target, width, height);
    this.encoder = encoder;
    this.spareEncoder = undefined;
    setTimeout(() => {
      if (this.closing || this.encoder !== encoder || this.spareEncoder) return;
      this.spareEncoder = new LiveEncoder(this.output.target, width, height);
    }, spareDelayMs);
    this.counts.width = width;
    this.counts.height = height;
    void encoder.process.exited.then(() => {
      if (this.closing || this.encoder !== encoder) return;
      liveFfmpegRestarts.inc({ role: "encoder" });
      this.log.warn(
        { stderr: encoder.process.stderrTail().slice(-300) },
        "live encoder exited; its spare takes over",
      );
      this.encoder = undefined; // the next frame switches to the spare
    });
  }

  private dropped(stage: "model" | "encoder"): void {
    this.counts.dropped++;
    liveFramesDropped.inc({ stage });
  }
}
