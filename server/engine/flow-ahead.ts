// The arrival side of a stream's frame step (frame-step.ts), in the engine worker: each frame is
// padded into a buffer of its own and its flow analysis (flow/temporal-warp.ts analyzeAsync) starts
// on a libuv pool thread as soon as its message reaches the worker, before it waits in the inbox.
// ORT's run blocks the worker's JS thread, so the analyses of the frames queued behind the one being
// drawn run on the second core meanwhile, each starting as the one before ends. The previous drawing
// is warped later, when the frame's turn comes (FrameStep.prepare), since only then is it known.
import { TemporalWarp } from "./flow/temporal-warp.js";
import { paddedSize, padEdge } from "./padding.js";

/** The addon's limits on a side (flow on larger frames is not supported: such streams run without
 *  temporal conditioning). */
const warpMinSide = 16;
const warpMaxSide = 4096;

/** A frame whose analysis has settled: its padded input, and the warp to pop that analysis from. */
export interface AnalyzedFrame {
  width: number;
  height: number;
  pw: number;
  ph: number;
  input: Uint8Array;
  /** Absent where the size is outside the addon's limits. */
  warp: TemporalWarp | undefined;
}

interface SizeFlow {
  width: number;
  height: number;
  pw: number;
  ph: number;
  warp: TemporalWarp | undefined;
}

export class FlowAhead {
  private current: SizeFlow | undefined;
  /** By frame id: a frame's id is unique, while the order in which frames are taken is the inbox's. */
  private readonly started = new Map<number, Promise<AnalyzedFrame>>();

  constructor(private readonly stride: number) {}

  /** Pads the rgb24 frame and starts its analysis. Never throws: a failure rejects take(id). */
  start(id: number, frame: Uint8Array, width: number, height: number): void {
    let analyzed: Promise<AnalyzedFrame>;
    try {
      analyzed = this.analyze(frame, width, height);
    } catch (error) {
      analyzed = Promise.reject(error);
    }
    // Awaited when the frame's turn comes, maybe after it failed: not an unhandled rejection meanwhile.
    analyzed.catch(() => {});
    this.started.set(id, analyzed);
  }

  /** The frame started as `id`, once its analysis has settled. Frames of one warp must be taken, and
   *  warped, in the order they were started (the addon pops its analyses in call order). */
  take(id: number): Promise<AnalyzedFrame> {
    const analyzed = this.started.get(id);
    if (!analyzed) return Promise.reject(new Error(`frame ${id} was not started`));
    this.started.delete(id);
    return analyzed;
  }

  /** Forgets the previous frame for the frames started after this call. */
  reset(): void {
    this.current?.warp?.reset();
  }

  /** Closes the current warp (after its pending analyses, in the addon). Earlier ones are closed by
   *  FrameStep when it moves past them, or, where all their frames failed, at garbage collection. */
  close(): void {
    this.current?.warp?.close();
    this.current = undefined;
    this.started.clear();
  }

  private analyze(frame: Uint8Array, width: number, height: number): Promise<AnalyzedFrame> {
    const { pw, ph, warp } = this.flowFor(width, height);
    let input = frame;
    if (pw !== width || ph !== height) {
      // A buffer per frame: the frames in flight are analyzed while the ones before them are drawn.
      input = new Uint8Array(pw * ph * 3);
      padEdge(frame, width, height, 3, pw, ph, input);
    }
    const done = { width, height, pw, ph, input, warp };
    return warp ? warp.analyzeAsync(input).then(() => done) : Promise.resolve(done);
  }

  /** The warp for this frame size; a new size starts over with a new one (no previous frame). The
   *  old one still has frames to warp; FrameStep closes it after the last of them. */
  private flowFor(width: number, height: number): SizeFlow {
    if (this.current?.width === width && this.current.height === height) return this.current;
    const { pw, ph } = paddedSize(width, height, this.stride);
    const warps = Math.min(pw, ph) >= warpMinSide && Math.max(pw, ph) <= warpMaxSide;
    this.current = { width, height, pw, ph, warp: warps ? new TemporalWarp(pw, ph) : undefined };
    return this.current;
  }
}
