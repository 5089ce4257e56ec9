// One stream's frame step, run inside the engine worker: frames are padded (edge replicate) to the
// model's stride, warped and sketched at the padded size, and cropped back; the uncropped drawing is
// kept as the next frame's `prev` (temporal state: previous frame + previous drawing, see
// flow/temporal-warp.ts). The step is split around the network so that the frames of several
// streams can share one batched run (batch-runner.ts): prepare() → the network → finish().
import { TemporalWarp } from "./flow/temporal-warp.js";
import { cropTopLeft, paddedKey, paddedSize, padEdge } from "./padding.js";
import type { ModelFeeds } from "./session.js";

/** The addon's limits on a side (flow on larger frames is not supported: such streams run without
 *  temporal conditioning). */
const warpMinSide = 16;
const warpMaxSide = 4096;
/** Scene cut: less of the previous frame than this was found again (models/README.md, step 5). */
const sceneCutValid = 0.3;

export interface StepControls {
  /** One weight per style, in the model's `styles` order (see SketchEngine.styleVector). */
  style: Float32Array;
  detail: number;
  temporal: boolean;
}

export interface StepResult {
  /** The cropped width*height drawing, in a buffer of its own (so it can be transferred). */
  sketch: Uint8Array;
  /** The temporal state was dropped because too little of the previous frame was found. */
  sceneCut: boolean;
}

/** A frame ready for the network: its inputs, and what to do with the network's drawing of it. */
export interface PreparedStep {
  feeds: ModelFeeds;
  /** Takes the uncropped drawing (kept, not copied, as the next frame's previous drawing). */
  finish(sketch: Uint8Array): StepResult;
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

export class FrameStep {
  private state: SizeState | undefined;
  /** performance.now() when the stream's last frame finished. */
  finishedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly stride: number) {}

  /** The padded size ("WxH", padding.ts paddedKey) of the stream's last frame. */
  get size(): string | undefined {
    return this.state && paddedKey(this.state.width, this.state.height, this.stride);
  }

  /** rgb24 frame (already checked for size and length) → the network's inputs: padded, warped. The
   *  inputs are this stream's buffers, valid until its next prepare(). */
  prepare(frame: Uint8Array, width: number, height: number, c: StepControls): PreparedStep {
    const s = this.stateFor(width, height);
    let input = frame;
    if (s.padded) {
      padEdge(frame, width, height, 3, s.pw, s.ph, s.padded);
      input = s.padded;
    }
    let sceneCut = false;
    if (s.warp) {
      const hadPrevious = c.temporal && s.lastSketch !== null;
      // With temporal off the warp still sees every frame, so turning it on finds a previous frame.
      const valid = s.warp.next(input, c.temporal ? s.lastSketch : null, s.prev, s.mask);
      sceneCut = hadPrevious && valid < sceneCutValid;
    }
    const feeds = {
      frame: input,
      prev: s.prev,
      mask: s.mask,
      style: c.style,
      detail: c.detail,
      width: s.pw,
      height: s.ph,
    };
    const finish = (sketch: Uint8Array): StepResult => {
      this.finishedAt = performance.now();
      s.lastSketch = c.temporal && s.warp ? sketch : null;
      return { sketch: cropTopLeft(sketch, s.pw, width, height), sceneCut };
    };
    return { feeds, finish };
  }

  /** Drops the temporal state: the next frame is drawn as a first frame. */
  reset(): void {
    if (!this.state) return;
    this.state.warp?.reset();
    this.state.lastSketch = null;
  }

  /** Frees the native state. */
  close(): void {
    this.state?.warp?.close();
    this.state = undefined;
  }

  /** The state for this frame size; a new size starts over (new warp, no previous frame). */
  private stateFor(width: number, height: number): SizeState {
    if (this.state?.width === width && this.state.height === height) return this.state;
    this.state?.warp?.close();
    const { pw, ph } = paddedSize(width, height, this.stride);
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
