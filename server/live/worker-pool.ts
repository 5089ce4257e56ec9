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
 * mediasoup workers (one per core by default), each with one router; routers are handed out round
 * robin so peers spread over cores. A worker that dies is replaced; its peers' transports die with
 * their router and those clients reconnect.
 */
export class WorkerPool {
  private readonly slots: { worker: types.Worker; router: types.Router }[] = [];
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

  router(): types.Router {
    const slot = this.slots[this.next++ % this.slots.length];
    if (!slot) throw new Error("no mediasoup router available");
    return slot.router;
  }

  close(): void {
    this.closed = true;
    // Closing a worker closes its router, transports and everything on them.
    for (const { worker } of this.slots) worker.close();
    this.slots.length = 0;
  }

  private async start(index: number): Promise<{ worker: types.Worker; router: types.Router }> {
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
        (slot) => {
          if (this.closed) return void slot.worker.close();
          this.slots[index] = slot;
        },
        (err: unknown) => this.log.error({ err }, "could not replace mediasoup worker"),
      );
    });
    return { worker, router: await worker.createRouter({ mediaCodecs: routerCodecs }) };
  }
}
