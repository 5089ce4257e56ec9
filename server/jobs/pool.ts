/** A task gets a signal that fires when its job is cancelled or the server shuts down. */
export type PoolTask = (signal: AbortSignal) => Promise<void>;

interface Entry {
  key: string;
  task: PoolTask;
  controller: AbortController;
  settled: Promise<void>;
  settle: () => void;
}

/**
 * Runs at most `concurrency` tasks at once, first come first served. The bound is what keeps file
 * conversions from starving live streams on a small machine: conversions queue instead of
 * competing with each other for the same cores.
 */
export class WorkerPool {
  readonly #queue: Entry[] = [];
  readonly #running = new Map<string, Entry>();

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("concurrency must be ≥ 1");
  }

  get running(): number {
    return this.#running.size;
  }

  get queued(): number {
    return this.#queue.length;
  }

  has(key: string): boolean {
    return this.#running.has(key) || this.#queue.some((e) => e.key === key);
  }

  /** Queues `task` under `key`; the promise settles when the task has finished (or was dropped). */
  add(key: string, task: PoolTask): Promise<void> {
    if (this.has(key)) throw new Error(`${key} is already in the pool`);
    let settle = () => {};
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.#queue.push({ key, task, controller: new AbortController(), settled, settle });
    this.#pump();
    return settled;
  }

  /**
   * Aborts a running task (resolving once it has wound down) or drops a queued one.
   * Returns false when the key is unknown.
   */
  async abort(key: string, reason: unknown): Promise<boolean> {
    const queuedAt = this.#queue.findIndex((e) => e.key === key);
    if (queuedAt >= 0) {
      const [entry] = this.#queue.splice(queuedAt, 1);
      entry?.settle();
      return true;
    }
    const entry = this.#running.get(key);
    if (!entry) return false;
    entry.controller.abort(reason);
    await entry.settled;
    return true;
  }

  /** Aborts everything (server shutdown) and waits for running tasks to end. */
  async abortAll(reason: unknown): Promise<void> {
    for (const entry of this.#queue.splice(0)) entry.settle();
    const running = [...this.#running.values()];
    for (const entry of running) entry.controller.abort(reason);
    await Promise.all(running.map((e) => e.settled));
  }

  #pump(): void {
    while (this.#running.size < this.concurrency) {
      const entry = this.#queue.shift();
      if (!entry) return;
      this.#running.set(entry.key, entry);
      // Tasks report their own failures; the pool only needs to know when one is over.
      entry
        .task(entry.controller.signal)
        .catch(() => {})
        .finally(() => {
          this.#running.delete(entry.key);
          entry.settle();
          this.#pump();
        });
    }
  }
}
