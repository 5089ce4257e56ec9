import type { types } from "mediasoup";
import type { Logger } from "pino";
import { routerCodecs } from "./router-codecs.js";

export interface WorkerPoolOptions {
  workers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  workerBin: string;
}

/**
 * mediasoup workers (one per core by default). Routers (one per room) are made on them round robin
 * so rooms spread over cores. A worker that dies is replaced; its routers die with it (their rooms
 * close, and those clients reconnect).
 */
export class WorkerPool {
  private readonly slots: types.Worker[] = [];
  private next = 0;
  private closed = false;

  private constructor(
    private readonly mediasoup: typeof import("mediasoup"),
    private readonly options: WorkerPoolOptions,
    private readonly log: Logger,
  ) {}

  static async create(options: WorkerPoolOptions, log: Logger): Promise<WorkerPool> {
    // mediasoup reads the worker location once, when its module loads.
    process.env.MEDIASOUP_WORKER_BIN = options.workerBin;
    const pool = new WorkerPool(await import("mediasoup"), options, log);
    // Each worker takes its own share of the port range so they never compete for a port.
    for (let i = 0; i < options.workers; i++) pool.slots.push(await pool.start(i));
    return pool;
  }

  /** A new router on the next worker; its owner closes it. */
  createRouter(): Promise<types.Router> {
    const worker = this.slots[this.next++ % this.slots.length];
    if (!worker) throw new Error("no mediasoup worker available");
    return worker.createRouter({ mediaCodecs: routerCodecs });
  }

  close(): void {
    this.closed = true;
    // Closing a worker closes its router, transports and everything on them.
    for (const worker of this.slots) worker.close();
    this.slots.length = 0;
  }

  private async start(index: number): Promise<types.Worker> {
    const { workers, rtcMinPort, rtcMaxPort } = this.options;
    const span = Math.floor((rtcMaxPort - rtcMinPort + 1) / workers);
    if (span < 2) throw new Error(`rtc port range too small for ${workers} mediasoup workers`);
    const worker = await this.mediasoup.createWorker({
      logLevel: "warn",
      rtcMinPort: rtcMinPort + index * span,
      rtcMaxPort: rtcMinPort + (index + 1) * span - 1,
    });
    worker.on("died", (error: Error) => {
      this.log.error({ err: error, pid: worker.pid }, "mediasoup worker died; replacing it");
      if (this.closed) return;
      this.start(index).then(
        (replacement) => {
          if (this.closed) return void replacement.close();
          this.slots[index] = replacement;
        },
        (err: unknown) => this.log.error({ err }, "could not replace mediasoup worker"),
      );
    });
    return worker;
  }
}
