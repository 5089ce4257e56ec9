// SketchEngine: the sketch network for every stream of a process (live viewers, frame API sockets),
// in engine worker threads (engine-client.ts), each with its own ONNX Runtime session; a stream stays
// on one worker (its temporal state lives there), the one with the fewest streams when it opened.
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
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
  /** Intra-op threads of each worker's session. */
  threads: number;
  /** Engine workers (default 1); "auto": on cpu one per core, on a GPU one. */
  workers?: number | "auto";
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
  private readonly streams = new Map<SketchStream, EngineClient>();
  private closed = false;

  private constructor(
    private readonly clients: EngineClient[],
    /** The execution provider actually in use (after any fallback to cpu). */
    readonly ep: ExecutionProvider,
    /** Batching as it runs: maxSize resolved for `ep` (1 = off). */
    readonly batch: { maxSize: number; maxWaitMs: number },
    /** Intra-op threads of each worker's session. */
    readonly threads: number,
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
    const init = {
      model,
      cpuModel,
      ep: opts.ep,
      threads: opts.threads,
      stride,
      styleCount,
      batch: batchOptions,
    };
    // The first worker settles the provider (after any fallback); the others open on it, together.
    const { client, ep, batchMaxSize } = await EngineClient.start(init, opts.logger);
    const workers = resolveWorkers(opts.workers ?? 1, ep);
    const others = await Promise.allSettled(
      Array.from({ length: workers - 1 }, () => EngineClient.start({ ...init, ep }, opts.logger)),
    );
    const clients = [client, ...others.flatMap((o) => (o.status === "fulfilled" ? [o.value.client] : []))];
    const failed = others.find((o) => o.status === "rejected");
    if (failed) {
      await Promise.all(clients.map((c) => c.close()));
      throw failed.reason;
    }
    const batch = { maxSize: batchMaxSize, maxWaitMs: batchOptions.maxWaitMs };
    activeEp.reset();
    activeEp.set({ ep }, 1);
    opts.logger.info(
      {
        ep,
        threads: opts.threads,
        workers,
        batch,
        model: ep === "cpu" ? cpuPath : gpuPath,
        version: meta.version,
      },
      "sketch engine ready",
    );
    return new SketchEngine(clients, ep, batch, opts.threads, meta, opts.logger);
  }

  /** `maxInFlight` > 1 lets a caller that wants every frame (file conversion) send the next frames
   *  while one runs, so the worker never waits for the caller's round trip; live streams keep 1. */
  createStream(controls: Partial<SketchControls> = {}, maxInFlight = 1): SketchStream {
    if (this.closed) throw new Error("sketch engine is closed");
    const load = (c: EngineClient) => [...this.streams.values()].filter((s) => s === c).length;
    const client = this.clients.reduce((best, c) => (load(c) < load(best) ? c : best));
    const stream = new SketchStream(this, client, controls, () => this.streams.delete(stream), maxInFlight);
    this.streams.set(stream, client);
    return stream;
  }

  /** Streams open now (the server's engine: live cameras and frame API sockets). */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Engine workers, each running its own session. */
  get workers(): number {
    return this.clients.length;
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
    for (const s of [...this.streams.keys()]) s.close();
    await Promise.all(this.clients.map((c) => c.close()));
  }
}

/** "auto" engine workers: on cpu one per core, so that every core can run a stream's network at once
 *  while a lone stream still gets all of its session's intra-op threads (measured on 2 cores with 2
 *  threads each, `npm run bench -- capacity`: 3 streams at 640x360 in two of three rounds, where one
 *  worker with 2 threads carried 2 in all three and two with one thread 3 in one); a GPU provider
 *  one (its streams batch together in it). */
function resolveWorkers(workers: number | "auto", ep: ExecutionProvider): number {
  if (workers !== "auto") return workers;
  return ep === "cpu" ? availableParallelism() : 1;
}

async function readModel(path: string): Promise<Uint8Array> {
  return readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the sketch model ${path}: ${err.code ?? err.message}`);
  });
}
