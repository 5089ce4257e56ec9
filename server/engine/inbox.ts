// The engine worker's inbox: its messages in arrival order, and the choice of which queued frames can
// share one batched run. A stream's messages keep their order (a reset or close lands between its
// frames, and a stream's next frame needs the drawing of the one before), so a frame joins a batch
// only when nothing of its stream is queued ahead of it; other streams' messages may be overtaken.
// take() serves live streams first (live-first.ts).
import type { LiveFirst } from "./live-first.js";
import type { ToWorker } from "./worker-protocol.js";

export type ProcessMessage = Extract<ToWorker, { type: "process" }>;

export interface Queued<M extends ToWorker = ToWorker> {
  m: M;
  /** performance.now() when the worker got it. */
  arrived: number;
}

export class Inbox {
  private readonly items: Queued[] = [];
  private wake: (() => void) | undefined;

  push(m: ToWorker): void {
    this.items.push({ m, arrived: performance.now() });
    this.wake?.();
  }

  /** The oldest message of a live stream; else the oldest message, when it is not a conversion
   *  frame that `order` holds back; else waits (for an arrival, or as long as `order` says). */
  async take(order: LiveFirst): Promise<Queued> {
    for (;;) {
      const live = this.items.findIndex((q) => q.m.type !== "close" && order.isLive(q.m.stream));
      if (live >= 0) return this.items.splice(live, 1)[0] as Queued;
      const first = this.items[0];
      const wait = first?.m.type === "process" ? order.batchDelay(first.m.width * first.m.height) : 0;
      if (first && wait <= 0) return this.items.shift() as Queued;
      await this.arrival(first ? wait : Number.POSITIVE_INFINITY);
    }
  }

  /** Resolves at the next arrival, or after `ms`. */
  arrival(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms)) : undefined;
      this.wake = done;
    });
  }

  /** Whether a message of this stream is queued. */
  has(stream: number): boolean {
    return this.items.some((q) => q.m.type !== "close" && q.m.stream === stream);
  }

  /**
   * Removes and returns queued frames that `fits` accepts, oldest first, at most `limit`, skipping
   * streams in `taken` (one frame per stream per batch) and any frame with an earlier message of its
   * stream still queued. Stops at a close: nothing runs after it.
   */
  takeFrames(
    fits: (m: ProcessMessage) => boolean,
    taken: Set<number>,
    limit: number,
  ): Queued<ProcessMessage>[] {
    const out: Queued<ProcessMessage>[] = [];
    const blocked = new Set(taken);
    for (let i = 0; i < this.items.length && out.length < limit; ) {
      const q = this.items[i] as Queued;
      if (q.m.type === "close") break;
      if (q.m.type === "process" && !blocked.has(q.m.stream) && fits(q.m)) {
        out.push(q as Queued<ProcessMessage>);
        this.items.splice(i, 1);
      } else {
        i++;
      }
      blocked.add(q.m.stream);
    }
    return out;
  }
}
