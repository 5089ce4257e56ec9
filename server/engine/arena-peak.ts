// When to reopen the session to give memory back. ONNX Runtime's CPU arena keeps the buffers of the
// largest frame a session has run for the session's whole life: after one 1080p conversion the
// process stayed ≈ 170 MB above its size before it, while live streams went on at 360p. Reopening a
// session takes ~15 ms (model and warm-up), so the worker does it when a stream closes and what the
// session has run is more than twice the largest frame any open stream still sends.
export class ArenaPeak {
  /** Padded pixels of the largest frame the session has run. */
  private peak = 0;

  ran(pixels: number): void {
    this.peak = Math.max(this.peak, pixels);
  }

  /** After a stream closed: `open` are the open streams' last frame sizes (padded pixels). */
  worthReopening(open: number[]): boolean {
    return this.peak > 2 * Math.max(0, ...open);
  }

  reopened(open: number[]): void {
    this.peak = Math.max(0, ...open);
  }
}
