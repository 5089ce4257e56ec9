import type { types } from "mediasoup";
import type { SketchControls } from "../engine/index.js";

/**
 * What a room needs of a processor: something that takes a camera producer and gives a producer of
 * its processed video on the same router (server/processing/sketch-processor.ts is the real one).
 * The room owns it: it closes it when the camera or the room goes, and learns when it ends itself.
 */
export interface Processor {
  readonly output: { readonly producer: types.Producer };
  close(): Promise<void>;
  /** `reason` is set when the processor ended by itself (its source closed, went silent, failed). */
  onClose(fn: (reason: string | undefined) => void): void;
}

/** What the sender asked of its camera's processing (the `produce` request's fields). */
export interface ProcessingRequest {
  mode: "sketch" | "passthrough";
  /** Show the input's top band unprocessed (the latency benchmark). */
  probe: boolean;
  controls?: Partial<SketchControls>;
  /** Draw at most this size instead of the room's (a WHIP publisher: the overlay is full-screen). */
  fit?: { width: number; height: number };
}

/** How a room makes the processor for a camera; `fit`: the request's or the room's sketch size, if any. */
export type ProcessorFactory<P extends Processor> = (
  router: types.Router,
  source: types.Producer,
  options: ProcessingRequest & { fit: { width: number; height: number } | undefined },
) => Promise<P>;
