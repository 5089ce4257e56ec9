// Live before files: the engine worker's order between live streams and conversions (batch streams).
// A queued live message always runs first. A conversion frame runs only when no live frame is queued
// AND its step is expected to end before the next live frame is due (each live stream's frame
// interval, measured on arrival), so a conversion never holds a live frame up by more than the
// misestimate of one step; a conversion whose step does not fit between live frames (1080p beside a
// 30 fps stream) waits until the live streams go quiet. Steps are estimated per frame size from the
// runs so far (their last time, scaled by pixels for a size not yet run).
export type Priority = "live" | "batch";

interface LiveClock {
  last: number;
  /** When its last frame finished: a live stream sends its next frame only after that, so a stream
   *  whose frame waited behind a long conversion step is not quiet, it was waiting on us. */
  finished: number;
  /** Smoothed time between this stream's frames; undefined after its first frame. */
  interval: number | undefined;
}

/** A live stream silent for this long (or 3 intervals, if longer) no longer holds conversions back. */
const quietMs = 250;

export class LiveFirst {
  private readonly live = new Map<number, LiveClock>();
  /** Last step ms per frame size (pixels). */
  private readonly stepMs = new Map<number, number>();

  /** A process message arrived (on the port, before it queues). */
  arrived(stream: number, priority: Priority, now = performance.now()): void {
    if (priority !== "live") return;
    const c = this.live.get(stream);
    if (!c) {
      this.live.set(stream, { last: now, finished: now, interval: undefined });
      return;
    }
    const gap = now - c.last;
    c.interval = c.interval === undefined ? gap : 0.8 * c.interval + 0.2 * gap;
    c.last = now;
  }

  isLive(stream: number): boolean {
    return this.live.has(stream);
  }

  closed(stream: number): void {
    this.live.delete(stream);
  }

  /** A live stream's frame finished. */
  done(stream: number, now = performance.now()): void {
    const c = this.live.get(stream);
    if (c) c.finished = now;
  }

  /** A run of frames of `pixels` each took `ms`. */
  ran(pixels: number, ms: number): void {
    this.stepMs.set(pixels, ms);
  }

  /** 0 when a conversion frame of `pixels` may start now; otherwise how long until asking again
   *  makes sense without a new arrival (a live stream going quiet). */
  batchDelay(pixels: number, now = performance.now()): number {
    const step = this.estimate(pixels);
    let wait = 0;
    for (const c of this.live.values()) {
      const quiet = Math.max(c.last, c.finished) + Math.max(quietMs, 3 * (c.interval ?? 0)) - now;
      if (quiet <= 0) continue;
      const due = c.interval === undefined ? now : c.last + c.interval;
      if (now + step > due) wait = Math.max(wait, quiet);
    }
    return wait;
  }

  private estimate(pixels: number): number {
    const known = this.stepMs.get(pixels);
    if (known !== undefined) return known;
    let best: [number, number] | undefined;
    for (const [p, ms] of this.stepMs)
      if (!best || Math.abs(p - pixels) < Math.abs(best[0] - pixels)) best = [p, ms];
    return best ? (best[1] * pixels) / best[0] : 0;
  }
}
