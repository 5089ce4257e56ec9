import type { SketchEngine } from "../engine/index.js";
import type { Logger } from "../log.js";
import type { ProcessorFactory } from "../media/processor.js";
import { PassthroughStream } from "../processing/passthrough-stream.js";
import { type FrameTiming, SketchProcessor } from "../processing/sketch-processor.js";
import type { LiveAdmission } from "./live-admission.js";
import { type FrameSize, withinBoth } from "./live-sketch-size.js";

/**
 * How rooms make a camera's processor here: a slot of the server-wide pipeline limit (refused with
 * "server full" beyond it), a stream of the shared engine (or passthrough), the idle timeout, and
 * the largest size a sketch is drawn at (a passthrough, which draws nothing, keeps the camera's).
 */
export function sketchProcessorFactory(deps: {
  engine: SketchEngine;
  admission: LiveAdmission;
  /** live-sketch-size.ts */
  sketchSize: FrameSize;
  log: Logger;
  /** Every processor's per-frame timing (the call benchmark). */
  onFrameOut?: (timing: FrameTiming) => void;
}): ProcessorFactory<SketchProcessor> {
  return async (router, source, { mode, probe, controls, fit }) => {
    const release = deps.admission.takePipeline();
    const stream = mode === "passthrough" ? new PassthroughStream() : deps.engine.createStream(controls);
    try {
      const processor = await SketchProcessor.start({
        router,
        source,
        stream,
        probe,
        fit: mode === "passthrough" ? fit : withinBoth(fit, deps.sketchSize),
        log: deps.log,
        idleTimeoutMs: deps.admission.limits.idleTimeoutS * 1000,
        onFrameOut: deps.onFrameOut,
      });
      processor.onClose(release);
      return processor;
    } catch (err) {
      stream.close();
      release();
      throw err;
    }
  };
}
