import type { SketchEngine } from "../engine/index.js";
import type { Logger } from "../log.js";
import type { ProcessorFactory } from "../media/processor.js";
import { PassthroughStream } from "../processing/passthrough-stream.js";
import { type FrameTiming, SketchProcessor } from "../processing/sketch-processor.js";
import type { LiveAdmission } from "./live-admission.js";

/**
 * How rooms make a camera's processor here: a slot of the server-wide pipeline limit (refused with
 * "server full" beyond it), a stream of the shared engine (or passthrough), and the idle timeout.
 */
export function sketchProcessorFactory(deps: {
  engine: SketchEngine;
  admission: LiveAdmission;
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
        fit,
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
