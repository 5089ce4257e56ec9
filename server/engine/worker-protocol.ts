// Messages between SketchEngine (main thread, engine-client.ts) and its worker (engine-worker.ts).

import type { BatchOptions } from "./batch.js";
import type { ExecutionProvider } from "./execution-provider.js";
import type { StepControls } from "./frame-step.js";

export interface WorkerInit {
  /** The model for `ep`, and the one to run if the session ends up on cpu (often the same bytes). */
  model: Uint8Array;
  cpuModel: Uint8Array;
  ep: ExecutionProvider;
  threads: number;
  stride: number;
  styleCount: number;
  batch: BatchOptions;
}

export type ToWorker =
  | ({
      type: "process";
      id: number;
      stream: number;
      /** The rgb24 frame, transferred. */
      frame: ArrayBuffer;
      width: number;
      height: number;
    } & StepControls)
  | { type: "reset"; stream: number }
  | { type: "close-stream"; stream: number }
  | { type: "close"; id: number };

/** What a processed frame comes back as. */
export interface FrameReply {
  /** The width*height drawing, transferred. */
  sketch: ArrayBuffer;
  sceneCut: boolean;
  /** The step's time in the worker from its batch's start: the wait for any flow analysis still
   *  running (pad and flow start when a frame arrives, flow-ahead.ts), the warps, the network, the
   *  crop (without the time the frame waited to be run). */
  ms: number;
}

export type FromWorker =
  /** The session is open; batchMaxSize is batch.maxSize resolved for the ep in use. */
  | { type: "ready"; ep: ExecutionProvider; batchMaxSize: number }
  /** One network run over `size` frames. */
  | { type: "batch"; size: number }
  | { type: "warn"; msg: string }
  | { type: "reply"; id: number; frame?: FrameReply; error?: unknown };
