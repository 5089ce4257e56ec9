// SketchEngine: one ONNX Runtime session shared by every stream (live viewers, conversion jobs).
//
// Concurrency: onnxruntime-node runs a session synchronously on the JS thread (its run() is a
// promise around a blocking call), so runs from different streams are serialized by construction;
// the parallelism is inside each run (intraOpNumThreads). ORT sessions allow concurrent runs, so
// moving runs to worker threads later needs no change here beyond where run() is called.
import { readFile } from "node:fs/promises";
import type * as ort from "onnxruntime-node";
import type { ExecutionProvider } from "../config/schema.js";
import type { Logger } from "../log.js";
import { defaultModelPath } from "../paths.js";
import { type SketchControls, type StyleName, styleNames } from "./controls.js";
import { activeEp } from "./metrics.js";
import { readModelMetadata } from "./model-metadata.js";
import { type ModelFeeds, openSession, runModel } from "./session.js";
import { SketchStream } from "./sketch-stream.js";

export type { SketchControls, StyleName };
export { SketchStream };

export interface SketchEngineOptions {
  modelPath?: string;
  ep: ExecutionProvider;
  threads: number;
  logger: Logger;
}

export class SketchEngine {
  /** Height and width the model needs to be multiples of (`stride` metadata). */
  readonly stride: number;
  /** The model's style order (`styles` metadata); the `style` input follows it. */
  readonly styles: readonly string[];
  readonly modelVersion: string;
  private readonly streams = new Set<SketchStream>();
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    /** The execution provider actually in use (after any fallback to cpu). */
    readonly ep: ExecutionProvider,
    meta: Record<string, string>,
    readonly logger: Logger,
  ) {
    this.stride = Number(meta.stride) || 16;
    this.styles = meta.styles ? meta.styles.split(",").map((s) => s.trim()) : [...styleNames];
    this.modelVersion = meta.version ?? "unknown";
  }

  static async create(opts: SketchEngineOptions): Promise<SketchEngine> {
    const path = opts.modelPath ?? defaultModelPath;
    const model = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the sketch model ${path}: ${err.code ?? err.message}`);
    });
    const meta = readModelMetadata(model);
    const stride = Number(meta.stride) || 16;
    const styleCount = meta.styles ? meta.styles.split(",").length : styleNames.length;
    const { session, ep } = await openSession(model, opts.ep, opts.threads, stride, styleCount, opts.logger);
    activeEp.reset();
    activeEp.set({ ep }, 1);
    opts.logger.info(
      { ep, threads: opts.threads, model: path, version: meta.version },
      "sketch engine ready",
    );
    return new SketchEngine(session, ep, meta, opts.logger);
  }

  createStream(controls: Partial<SketchControls> = {}): SketchStream {
    if (this.closed) throw new Error("sketch engine is closed");
    const stream = new SketchStream(this, controls, () => this.streams.delete(stream));
    this.streams.add(stream);
    return stream;
  }

  /** The style input for a style name: one-hot in the model's order. */
  styleVector(style: StyleName): Float32Array {
    const v = new Float32Array(this.styles.length);
    const i = this.styles.indexOf(style);
    if (i < 0) throw new RangeError(`the model has no style "${style}" (it has ${this.styles.join(", ")})`);
    v[i] = 1;
    return v;
  }

  /** One network run; streams call this after padding and warping. */
  run(feeds: ModelFeeds): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error("sketch engine is closed"));
    const run = runModel(this.session, feeds);
    const settled = run.catch(() => {}).finally(() => this.running.delete(settled));
    this.running.add(settled);
    return run;
  }

  /** Closes every stream and releases the session. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams]) s.close();
    await Promise.all(this.running); // a run already handed to ORT must finish before the release
    await this.session.release();
  }
}
