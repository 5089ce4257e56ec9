import type { SketchStream } from "../engine/index.js";

/** What the live pipeline needs from a frame processor: the engine's SketchStream, or passthrough. */
export type FrameStream = Pick<SketchStream, "controls" | "process" | "reset" | "close">;

/** "sketch" runs the model; "passthrough" skips it (decode → encode only, the latency baseline). */
export type ProcessingMode = "sketch" | "passthrough";
