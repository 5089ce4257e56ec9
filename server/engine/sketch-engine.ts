// SketchEngine: one ONNX Runtime session shared by every stream (live viewers, conversion jobs), in
// one worker thread that runs every stream's frame step (engine-client.ts says why one worker).
import { readFile } from "node:fs/promises";
import type { Logger } from "../log.js";
import { modelPaths } from "../paths.js";
import type { BatchOptions } from "./batch.js";
import type { SketchControls } from "./controls.js";
import { EngineClient } from "./engine-client.js";
import type { ExecutionProvider } from "./execution-provider.js";
import { activeEp } from "./metrics.js";
import { readModelMetadata } from "./model-metadata.js";
import { SketchStream } from "./sketch-stream.js";
import { type NetworkStyle, networkStyles, type StyleName } from "./styles.js";

export type { SketchControls, StyleName };
export { SketchStream };

export interface SketchEngineOptions {
  /** Default: models/sketch-int8.onnx when the session runs on cpu (also after a GPU provider fell
   *  back), models/sketch.onnx on a GPU provider. */
  modelPath?: string;
  ep: ExecutionProvider;
  threads: number;
  /** Batching across streams (batch.ts); default: maxSize "auto", maxWaitMs 0. */
  batch?: BatchOptions;
  logger: Logger;
}

export class SketchEngine {
  /** Height and width the model needs to be multiples of (`stride` metadata). */
  readonly stride: number;
  /** The model's style order (`styles` metadata); the `style` input follows it. */
  readonly styles: readonly string[];
  readonly modelVersion: string;
  private readonly streams = new Set<SketchStream>();
  private closed = false;

  private constructor(
    private readonly client: EngineClient,
    /** The execution provider actually in use (after any fallback to cpu). */
    readonly ep: ExecutionProvider,
    /** Batching as it runs: maxSize resolved for `ep` (1 = off). */
    readonly batch: { maxSize: number; maxWaitMs: number },
    meta: Record<string, string>,
    readonly logger: Logger,
  ) {
    this.stride = Number(meta.stride) || 16;
    this.styles = meta.styles ? meta.styles.split(",").map((s) => s.trim()) : [...networkStyles];
    this.modelVersion = meta.version ?? "unknown";
  }

  static async create(opts: SketchEngineOptions): Promise<SketchEngine> {
    const cpuPath = opts.modelPath ?? modelPaths.int8;
    const gpuPath = opts.modelPath ?? modelPaths.float;
    const cpuModel = await readModel(cpuPath);
    const model = opts.ep === "cpu" || gpuPath === cpuPath ? cpuModel : await readModel(gpuPath);
    const meta = readModelMetadata(model);
    const stride = Number(meta.stride) || 16;
    const styleCount = meta.styles ? meta.styles.split(",").length : networkStyles.length;
    const batchOptions = opts.batch ?? { maxSize: "auto", maxWaitMs: 0 };
    const { client, ep, batchMaxSize } = await EngineClient.start(
      { model, cpuModel, ep: opts.ep, threads: opts.threads, stride, styleCount, batch: batchOptions },
      opts.logger,
    );
    const batch = { maxSize: batchMaxSize, maxWaitMs: batchOptions.maxWaitMs };
    activeEp.reset();
    activeEp.set({ ep }, 1);
    opts.logger.info(
      { ep, threads: opts.threads, batch, model: ep === "cpu" ? cpuPath : gpuPath, version: meta.version },
      "sketch engine ready",
    );
    return new SketchEngine(client, ep, batch, meta, opts.logger);
  }

  /** `maxInFlight` > 1 lets a caller that wants every frame (file conversion) send the next frames
   *  while one runs, so the worker never waits for the caller's round trip; live streams keep 1. */
  createStream(controls: Partial<SketchControls> = {}, maxInFlight = 1): SketchStream {
    if (this.closed) throw new Error("sketch engine is closed");
    const stream = new SketchStream(
      this,
      this.client,
      controls,
      () => this.streams.delete(stream),
      maxInFlight,
    );
    this.streams.add(stream);
    return stream;
  }

  /** Streams open now (the server's engine: live cameras and frame API sockets). */
  get openStreams(): number {
    return this.streams.size;
  }

  /** The style input for one of the network's styles: one-hot in the model's order. */
  styleVector(style: NetworkStyle): Float32Array {
    const v = new Float32Array(this.styles.length);
    const i = this.styles.indexOf(style);
    if (i < 0) throw new RangeError(`the model has no style "${style}" (it has ${this.styles.join(", ")})`);
    v[i] = 1;
    return v;
  }

  /** Closes every stream, waits for the runs in flight, releases the session and ends the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams]) s.close();
    await this.client.close();
  }
}

async function readModel(path: string): Promise<Uint8Array> {
  return readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the sketch model ${path}: ${err.code ?? err.message}`);
  });
}
