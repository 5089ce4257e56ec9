// One stream's frame step, run inside the engine worker: frames are padded (edge replicate) to the
// model's stride, warped and sketched at the padded size, and cropped back; the uncropped drawing is
// kept as the next frame's `prev` (temporal state: previous frame + previous drawing, see
// flow/temporal-warp.ts). A frame's padding and flow analysis start when it arrives (flow-ahead.ts);
// the rest is split around the network so that the frames of several streams can share one batched
// run (batch.ts): prepare() → the network → finish().
import { colorize } from "./colorize.js";
import type { TemporalWarp } from "./flow/temporal-warp.js";
import { type AnalyzedFrame, FlowAhead } from "./flow-ahead.js";
import { cropTopLeft, paddedKey } from "./padding.js";
import type { ModelFeeds } from "./session.js";

/** Scene cut: less of the previous frame than this was found again (models/README.md, step 5). */
const sceneCutValid = 0.3;

export interface StepControls {
  /** One weight per style, in the model's `styles` order (see SketchEngine.styleVector). */
  style: Float32Array;
  detail: number;
  temporal: boolean;
  /** Colour the drawing by the frame (colored pencil, colorize.ts): the result is rgb24. */
  color: boolean;
}

export interface StepResult {
  /** The cropped drawing, in a buffer of its own (so it can be transferred): width*height gray, or
   *  width*height*3 rgb24 when the controls asked for colour. */
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

/** Buffers and temporal state for one frame size (one warp: FlowAhead makes a new one per size). */
interface SizeState {
  width: number;
  height: number;
  pw: number;
  ph: number;
  prev: Uint8Array;
  mask: Uint8Array;
  warp: TemporalWarp | undefined;
  /** The last uncropped drawing, when the last frame was temporal. */
  lastSketch: Uint8Array | null;
}

export class FrameStep {
  /** Started by the worker as each frame arrives, reset there as a reset arrives (call order). */
  readonly ahead: FlowAhead;
  private state: SizeState | undefined;
  /** performance.now() when the stream's last frame finished. */
  finishedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly stride: number) {
    this.ahead = new FlowAhead(stride);
  }

  /** Pixels of the stream's last frame as the network ran it (padded); 0 before its first. */
  get pixels(): number {
    return this.state ? this.state.pw * this.state.ph : 0;
  }

  /** The padded size ("WxH", padding.ts paddedKey) of the stream's last frame. */
  get size(): string | undefined {
    return this.state && paddedKey(this.state.width, this.state.height, this.stride);
  }

  /** The frame started as `id` (ahead.start) → the network's inputs: padded, warped. Frames must be
   *  prepared in the order they were started. The inputs are valid until this stream's next prepare(). */
  async prepare(id: number, c: StepControls): Promise<PreparedStep> {
    const f = await this.ahead.take(id);
    const s = this.stateFor(f);
    let sceneCut = false;
    if (f.warp) {
      const hadPrevious = c.temporal && s.lastSketch !== null;
      // With temporal off the warp still sees every frame, so turning it on finds a previous frame.
      const valid = f.warp.warp(c.temporal ? s.lastSketch : null, s.prev, s.mask);
      sceneCut = hadPrevious && valid < sceneCutValid;
    }
    const feeds = {
      frame: f.input,
      prev: s.prev,
      mask: s.mask,
      style: c.style,
      detail: c.detail,
      width: s.pw,
      height: s.ph,
    };
    const finish = (sketch: Uint8Array): StepResult => {
      this.finishedAt = performance.now();
      // The hold (temporal-warp.ts): without it sensor noise redraws a still view every frame.
      if (c.temporal && f.warp) f.warp.hold(sketch, s.prev, s.mask);
      s.lastSketch = c.temporal && f.warp ? sketch : null;
      const gray = cropTopLeft(sketch, s.pw, f.width, f.height);
      return { sketch: c.color ? colorize(gray, f.input, f.width, f.height, s.pw) : gray, sceneCut };
    };
    return { feeds, finish };
  }

  /** Drops the previous drawing: the next frame is drawn as a first frame. The worker resets the flow
   *  (ahead.reset) when the reset arrives, and this when its turn comes, between the same two frames. */
  reset(): void {
    if (this.state) this.state.lastSketch = null;
  }

  /** Frees the native state. */
  close(): void {
    this.state?.warp?.close();
    this.ahead.close();
    this.state = undefined;
  }

  /** The state for this frame's size and warp; a new one starts over (no previous drawing). The old
   *  warp's frames have all been prepared (a stream's frames come in order): close it. */
  private stateFor(f: AnalyzedFrame): SizeState {
    const s = this.state;
    if (s?.width === f.width && s.height === f.height && s.warp === f.warp) return s;
    s?.warp?.close();
    const n = f.pw * f.ph;
    this.state = {
      width: f.width,
      height: f.height,
      pw: f.pw,
      ph: f.ph,
      // Without a warp these stay "no previous frame" for good.
      prev: new Uint8Array(n).fill(255),
      mask: new Uint8Array(n),
      warp: f.warp,
      lastSketch: null,
    };
    return this.state;
  }
}
