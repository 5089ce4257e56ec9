// The main thread's side of the engine worker (engine-worker.ts).
//
// Why a worker: onnxruntime-node runs a session synchronously on the JS thread (its run() is a promise
// around a blocking call) and the flow/warp addon is synchronous too, so on the main thread every frame
// blocked the event loop for the whole step (15–30 ms at 360p), stalling the live loop's ffmpeg pipes,
// RTP relay and sockets. A worker serves many streams, one run at a time; SketchEngine may start
// several (`--engine-workers`), each with its own session, so that runs of different streams overlap.
import { extname } from "node:path";
import { Worker } from "node:worker_threads";
import type { Logger } from "../log.js";
import type { ExecutionProvider } from "./execution-provider.js";
import type { StepControls } from "./frame-step.js";
import { batchSize } from "./metrics.js";
import type { FrameReply, FromWorker, ToWorker, WorkerInit } from "./worker-protocol.js";

/** Starts the worker entry next to this module: the compiled .js under dist/, or under vitest and tsx
 *  the .ts source, loaded through tsx's API (Node 20 does not apply `--import tsx` to a worker's
 *  module loading). */
function startWorker(init: WorkerInit): Worker {
  const entry = new URL(`./engine-worker${extname(import.meta.url)}`, import.meta.url);
  if (entry.pathname.endsWith(".js")) return new Worker(entry, { workerData: init });
  const tsx = import.meta.resolve("tsx/esm/api");
  const load = `import(${JSON.stringify(tsx)}).then((t) => t.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(load, { eval: true, workerData: init });
}

interface Pending {
  resolve: (frame: FrameReply | undefined) => void;
  reject: (err: unknown) => void;
}

export interface FrameRequest extends StepControls {
  stream: number;
  frame: Uint8Array;
  width: number;
  height: number;
}

export class EngineClient {
  private readonly pending = new Map<number, Pending>();
  /** The pending calls, as promises that settle without rejecting (for close() to wait on). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 1;
  private nextStream = 1;
  /** Set once the worker has died: every later call rejects with it. */
  private failure: Error | undefined;
  private stopping = false;

  private constructor(
    private readonly worker: Worker,
    private readonly logger: Logger,
  ) {
    worker.on("message", (m: FromWorker) => this.onMessage(m));
    worker.on("error", (err) => this.fail(err.message));
    worker.on("exit", (code) => this.fail(`exited with code ${code}`));
    // Idle, the worker must not keep the process alive (an ORT session on the main thread didn't);
    // request() refs it while calls are pending.
    worker.unref();
  }

  /** Starts the worker and waits until it has opened the session (with any fallback warning logged):
   *  the ep in use and the batch size resolved for it. */
  static start(
    init: WorkerInit,
    logger: Logger,
  ): Promise<{ client: EngineClient; ep: ExecutionProvider; batchMaxSize: number }> {
    const worker = startWorker(init);
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === "warn") logger.warn(m.msg);
        if (m.type !== "ready") return;
        worker.off("message", onMessage).off("error", reject).off("exit", onExit);
        resolve({ client: new EngineClient(worker, logger), ep: m.ep, batchMaxSize: m.batchMaxSize });
      };
      const onExit = (code: number) => reject(new Error(`sketch engine worker exited with code ${code}`));
      worker.on("message", onMessage).once("error", reject).once("exit", onExit);
    });
  }

  newStreamId(): number {
    return this.nextStream++;
  }

  /** One frame step in the worker. The frame is copied once, into a buffer that is then transferred:
   *  transferring the caller's own buffer would detach it under the caller (callers reuse frames, and
   *  decoder frames are often views of a larger pooled buffer, which postMessage would copy whole). */
  process(r: FrameRequest): Promise<FrameReply> {
    // Not frame.slice(): on a Buffer that is a view into the same memory, not a copy.
    const frame = new Uint8Array(r.frame).buffer;
    return this.request((id) => ({ ...r, type: "process", id, frame }), [frame]) as Promise<FrameReply>;
  }

  reset(stream: number): void {
    this.post({ type: "reset", stream });
  }

  closeStream(stream: number): void {
    this.post({ type: "close-stream", stream });
  }

  /** Waits for the calls in flight, releases the session in the worker and ends the worker. */
  async close(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    // A worker that fails meanwhile has been logged by fail(); there is nothing left to release then.
    await this.request((id) => ({ type: "close", id })).catch(() => {});
    this.stopping = true;
    await this.worker.terminate();
  }

  /** Sends the message made for a new call id; settles with the worker's reply to it. */
  private request(
    message: (id: number) => ToWorker,
    transfer: ArrayBuffer[] = [],
  ): Promise<FrameReply | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const call = new Promise<FrameReply | undefined>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    if (this.pending.size === 1) this.worker.ref();
    this.worker.postMessage(message(id), transfer);
    const settled = call.catch(() => {}).finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
    return call;
  }

  private post(m: ToWorker): void {
    if (!this.failure) this.worker.postMessage(m);
  }

  private onMessage(m: FromWorker): void {
    if (m.type === "warn") {
      this.logger.warn(m.msg);
      return;
    }
    if (m.type === "batch") {
      batchSize.observe(m.size);
      return;
    }
    if (m.type !== "reply") return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.error === undefined) p.resolve(m.frame);
    else p.reject(m.error);
  }

  private fail(reason: string): void {
    if (this.failure || this.stopping) return;
    this.failure = new Error(`sketch engine worker failed (${reason}); the engine must be recreated`);
    this.logger.error({ err: this.failure }, "sketch engine worker failed");
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
