/** What a supervisor runs: a child process that exits by itself (a crash) or when closed. */
export interface SupervisedChild {
  /** Resolves when the child has exited, whatever the reason. */
  readonly exited: Promise<unknown>;
  close(): void;
}

export interface WarmSpareOptions<T extends SupervisedChild, K> {
  /** Starts an idle child for `key` (a decoder that waits for RTP, an encoder for a frame size). */
  start(key: K): Promise<T>;
  /** Makes `child` the one in use (e.g. lets RTP flow to it). */
  activate(child: T): Promise<void> | void;
  /** The child in use exited by itself; a replacement for the same key is already on its way. */
  onCrash(child: T): void;
  /** A child could not be started; the supervisor retries after `retryMs`. */
  onError(err: unknown): void;
  sameKey(a: K, b: K): boolean;
  /**
   * A spare starts this long after each switch: loading ffmpeg costs a busy machine a second of
   * CPU, which would otherwise compete with the stream that just switched.
   */
  spareDelayMs: number;
  retryMs: number;
}

/**
 * Keeps one child in use and one warm spare, so a crash or a change of key (a new frame size) is
 * taken over by a child that is already loaded instead of one that starts then. Written once for
 * the live decoders and encoders (sketch-processor.ts). close() ends every child it started.
 */
export class WarmSpare<T extends SupervisedChild, K> {
  private current: { child: T; key: K } | undefined;
  private spare: { key: K; child: Promise<T | undefined>; ready?: T } | undefined;
  private switching: Promise<T | undefined> | undefined;
  private closed = false;
  private readonly children = new Set<T>();

  constructor(private readonly options: WarmSpareOptions<T, K>) {}

  get active(): T | undefined {
    return this.current?.child;
  }

  /** True when the child in use was started for `key`. */
  serves(key: K): boolean {
    return this.current !== undefined && this.options.sameKey(this.current.key, key);
  }

  /**
   * Switches to a child for `key`: the spare when it is loaded and for this key, else one started
   * now. The previous child is closed. Resolves with the new child (undefined once closed).
   */
  use(key: K): Promise<T | undefined> {
    const previous = this.switching ?? Promise.resolve(undefined);
    const next = previous.then(() => this.switchTo(key));
    this.switching = next;
    void next.finally(() => {
      if (this.switching === next) this.switching = undefined;
    });
    return next;
  }

  /** Ends every child; resolves when all have exited. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.children) c.close();
    const spare = await this.spare?.child;
    spare?.close();
    await Promise.all([...this.children].map((c) => c.exited));
  }

  private async switchTo(key: K): Promise<T | undefined> {
    if (this.closed) return undefined;
    if (this.serves(key)) return this.current?.child;
    const old = this.current;
    this.current = undefined;
    old?.child.close();
    const spare = this.spare;
    let child: T | undefined;
    if (spare?.ready && this.options.sameKey(spare.key, key)) {
      child = spare.ready;
      this.spare = undefined;
    } else {
      // Not loaded yet, or for another key: end it and start the one needed now.
      this.spare = undefined;
      void spare?.child.then((late) => late?.close());
      child = await this.startChild(key);
    }
    if (!child || this.closed) {
      child?.close();
      if (!this.closed) setTimeout(() => void this.use(key), this.options.retryMs);
      return undefined;
    }
    this.current = { child, key };
    await this.options.activate(child);
    void child.exited.then(() => this.onExit(child, key));
    this.scheduleSpare(key);
    return child;
  }

  private onExit(child: T, key: K): void {
    this.children.delete(child);
    if (this.closed || this.current?.child !== child) return;
    this.current = undefined;
    this.options.onCrash(child);
    void this.use(key);
  }

  private scheduleSpare(key: K): void {
    const entry: { key: K; child: Promise<T | undefined>; ready?: T } = {
      key,
      child: new Promise<void>((r) => setTimeout(r, this.options.spareDelayMs))
        .then(() => (this.closed || this.spare !== entry ? undefined : this.startChild(key)))
        .then((child) => {
          if (child && (this.closed || this.spare !== entry)) return void child.close();
          entry.ready = child;
          // A spare that dies while it waits is replaced by a new one.
          void child?.exited.then(() => {
            if (this.spare !== entry || this.closed) return;
            this.spare = undefined;
            if (this.current) this.scheduleSpare(this.current.key);
          });
          return child;
        }),
    };
    this.spare = entry;
  }

  private async startChild(key: K): Promise<T | undefined> {
    try {
      const child = await this.options.start(key);
      this.children.add(child);
      void child.exited.then(() => this.children.delete(child));
      if (this.closed) child.close();
      return child;
    } catch (err) {
      this.options.onError(err);
      return undefined;
    }
  }
}
