import type { types } from "mediasoup";

/** How often the camera producer's byte count is read. */
const pollMs = 250;

/**
 * Watches a camera producer's byte count: calls `onFirstMedia` once when its first bytes arrive,
 * and `onIdle` when no new bytes came for `idleTimeoutMs` while it was not paused (a paused camera
 * is not idle). A client that produces without sending is noticed this way, with no ffmpeg running.
 */
export class MediaArrival {
  private bytes = 0;
  private lastAt = performance.now();
  private polling = false;
  private started = false;
  private readonly timer = setInterval(() => void this.poll(), pollMs);

  constructor(
    private readonly source: types.Producer,
    private readonly idleTimeoutMs: number,
    private readonly onFirstMedia: () => void,
    private readonly onIdle: () => void,
  ) {}

  close(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const stats = await this.source.getStats();
      const bytes = stats.reduce((sum, s) => sum + (s.byteCount ?? 0), 0);
      const now = performance.now();
      if (bytes > this.bytes || this.source.paused) {
        this.bytes = bytes;
        this.lastAt = now;
        if (bytes > 0 && !this.started) {
          this.started = true;
          this.onFirstMedia();
        }
      } else if (now - this.lastAt > this.idleTimeoutMs) {
        this.close();
        this.onIdle();
      }
    } catch {
      // The producer closed meanwhile; its close event ends the owner.
    } finally {
      this.polling = false;
    }
  }
}
