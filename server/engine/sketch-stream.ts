// SketchStream: one video's frames through the engine, in order. The frame step and the stream's
// temporal state (previous frame + previous drawing, pad buffers) live in the engine worker, keyed by
// this stream's id (frame-step.ts); this side checks input, keeps the controls and the metrics.

import { checkControls, defaultControls, type SketchControls } from "./controls.js";
import type { EngineClient } from "./engine-client.js";
import { frameSizeProblem } from "./frame-limits.js";
import { frameMs, framesProcessed, sceneCuts } from "./metrics.js";
import type { SketchEngine } from "./sketch-engine.js";
import { drawnAs } from "./styles.js";

export class FrameSizeError extends RangeError {
  override name = "FrameSizeError";
}

export class SketchStream {
  controls: SketchControls;
  /** Frames whose temporal state was dropped as a scene cut. */
  sceneCuts = 0;
  private readonly id: number;
  /** Frames sent to the worker and not yet returned. */
  private pending = 0;
  private closed = false;

  constructor(
    private readonly engine: SketchEngine,
    private readonly client: EngineClient,
    controls: Partial<SketchControls>,
    private readonly onClose: () => void,
    /** How many frames may be in flight at once (see SketchEngine.createStream). */
    private readonly maxInFlight = 1,
  ) {
    const given = Object.entries(controls).filter(([, v]) => v !== undefined);
    this.controls = { ...defaultControls, ...Object.fromEntries(given) };
    checkControls(this.controls);
    this.id = client.newStreamId();
  }

  /**
   * rgb24 frame in → gray sketch (width*height bytes, 0 = black … 255 = paper) out, in call order.
   * A call while maxInFlight frames are still running rejects (live: drop the frame instead of
   * queueing it). The frame is copied before this returns; the caller keeps it.
   */
  async process(frame: Uint8Array, width: number, height: number): Promise<Uint8Array> {
    if (this.closed) throw new Error("sketch stream is closed");
    if (this.pending >= this.maxInFlight) throw new Error("sketch stream is busy with the previous frame");
    const problem = frameSizeProblem(width, height);
    if (problem) throw new FrameSizeError(problem);
    if (frame.length !== width * height * 3) {
      throw new RangeError(
        `frame has ${frame.length} bytes; ${width}x${height} rgb24 is ${width * height * 3}`,
      );
    }
    const controls = { ...this.controls };
    checkControls(controls);
    const drawn = drawnAs(controls.style);
    const style = this.engine.styleVector(drawn.network);
    this.pending++;
    try {
      const done = await this.client.process({
        stream: this.id,
        frame,
        width,
        height,
        style,
        detail: controls.detail,
        temporal: controls.temporal,
        color: drawn.color,
      });
      if (this.closed) throw new Error("sketch stream is closed");
      if (done.sceneCut) {
        this.sceneCuts++;
        sceneCuts.inc();
      }
      frameMs.observe(done.ms);
      framesProcessed.inc();
      return new Uint8Array(done.sketch);
    } finally {
      this.pending--;
    }
  }

  /** Drops the temporal state: the next frame is drawn as a first frame. */
  reset(): void {
    if (!this.closed) this.client.reset(this.id);
  }

  /** Frees the stream's state in the worker; later process() calls reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.closeStream(this.id);
    this.onClose();
  }
}
