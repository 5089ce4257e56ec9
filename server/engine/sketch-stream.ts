// SketchStream: one video's frames through the engine, in order, with its temporal state (previous
// frame + previous drawing, see flow/temporal-warp.ts). Frames are padded (edge replicate) to the
// model's stride, warped and sketched at the padded size, and cropped back; the uncropped drawing is
// kept as the next frame's `prev`.

import { checkControls, defaultControls, type SketchControls } from "./controls.js";
import { TemporalWarp } from "./flow/temporal-warp.js";
import { frameSizeProblem } from "./frame-limits.js";
import { frameMs, framesProcessed, sceneCuts } from "./metrics.js";
import { cropTopLeft, padEdge } from "./padding.js";
import type { SketchEngine } from "./sketch-engine.js";

/** The addon's limits on a side (flow on larger frames is not supported: such streams run without
 *  temporal conditioning). */
const warpMinSide = 16;
const warpMaxSide = 4096;
/** Scene cut: less of the previous frame than this was found again (models/README.md, step 5). */
const sceneCutValid = 0.3;

export class FrameSizeError extends RangeError {
  override name = "FrameSizeError";
}

/** Buffers and temporal state for one frame size. */
interface SizeState {
  width: number;
  height: number;
  pw: number;
  ph: number;
  padded: Uint8Array | undefined;
  prev: Uint8Array;
  mask: Uint8Array;
  warp: TemporalWarp | undefined;
  /** The last uncropped drawing, when the last frame was temporal. */
  lastSketch: Uint8Array | null;
}

export class SketchStream {
  controls: SketchControls;
  /** Frames whose temporal state was dropped as a scene cut. */
  sceneCuts = 0;
  private state: SizeState | undefined;
  private busy = false;
  private closed = false;

  constructor(
    private readonly engine: SketchEngine,
    controls: Partial<SketchControls>,
    private readonly onClose: () => void,
  ) {
    const given = Object.entries(controls).filter(([, v]) => v !== undefined);
    this.controls = { ...defaultControls, ...Object.fromEntries(given) };
    checkControls(this.controls);
  }

  /**
   * rgb24 frame in → gray sketch (width*height bytes, 0 = black … 255 = paper) out. One frame at a
   * time: a call while the previous one is still running rejects (drop the frame instead of queueing).
   */
  async process(frame: Uint8Array, width: number, height: number): Promise<Uint8Array> {
    if (this.closed) throw new Error("sketch stream is closed");
    if (this.busy) throw new Error("sketch stream is busy with the previous frame");
    const problem = frameSizeProblem(width, height);
    if (problem) throw new FrameSizeError(problem);
    if (frame.length !== width * height * 3) {
      throw new RangeError(
        `frame has ${frame.length} bytes; ${width}x${height} rgb24 is ${width * height * 3}`,
      );
    }
    const controls = { ...this.controls };
    checkControls(controls);
    this.busy = true;
    try {
      const started = performance.now();
      const s = this.stateFor(width, height);
      let input = frame;
      if (s.padded) {
        padEdge(frame, width, height, 3, s.pw, s.ph, s.padded);
        input = s.padded;
      }
      if (s.warp) {
        const hadPrevious = controls.temporal && s.lastSketch !== null;
        // With temporal off the warp still sees every frame, so turning it on finds a previous frame.
        const valid = s.warp.next(input, controls.temporal ? s.lastSketch : null, s.prev, s.mask);
        if (hadPrevious && valid < sceneCutValid) {
          this.sceneCuts++;
          sceneCuts.inc();
        }
      }
      const sketch = await this.engine.run({
        frame: input,
        prev: s.prev,
        mask: s.mask,
        style: this.engine.styleVector(controls.style),
        detail: controls.detail,
        width: s.pw,
        height: s.ph,
      });
      if (this.closed) throw new Error("sketch stream is closed");
      s.lastSketch = controls.temporal && s.warp ? sketch : null;
      const out = cropTopLeft(sketch, s.pw, width, height);
      frameMs.observe(performance.now() - started);
      framesProcessed.inc();
      return out;
    } finally {
      this.busy = false;
    }
  }

  /** Drops the temporal state: the next frame is drawn as a first frame. */
  reset(): void {
    if (!this.state) return;
    this.state.warp?.reset();
    this.state.lastSketch = null;
  }

  /** Frees the native state; later process() calls reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.state?.warp?.close();
    this.state = undefined;
    this.onClose();
  }

  /** The state for this frame size; a new size starts over (new warp, no previous frame). */
  private stateFor(width: number, height: number): SizeState {
    if (this.state?.width === width && this.state.height === height) return this.state;
    this.state?.warp?.close();
    const stride = this.engine.stride;
    const pw = Math.ceil(width / stride) * stride;
    const ph = Math.ceil(height / stride) * stride;
    const n = pw * ph;
    const warps = Math.min(pw, ph) >= warpMinSide && Math.max(pw, ph) <= warpMaxSide;
    this.state = {
      width,
      height,
      pw,
      ph,
      padded: pw === width && ph === height ? undefined : new Uint8Array(n * 3),
      // Without a warp these stay "no previous frame" for good.
      prev: new Uint8Array(n).fill(255),
      mask: new Uint8Array(n),
      warp: warps ? new TemporalWarp(pw, ph) : undefined,
      lastSketch: null,
    };
    return this.state;
  }
}
