// The engine worker's inbox: its messages in arrival order, and the choice of which queued frames can
// share one batched run. A stream's messages keep their order (a reset or close lands between its
// frames, and a stream's next frame needs the drawing of the one before), so a frame joins a batch
// only when nothing of its stream is queued ahead of it; other streams' messages may be overtaken.
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

  /** The oldest message, once there is one. */
  async take(): Promise<Queued> {
    for (;;) {
      const first = this.items.shift();
      if (first) return first;
      await this.arrival(Number.POSITIVE_INFINITY);
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
