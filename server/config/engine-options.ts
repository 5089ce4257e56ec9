import type { SketchEngineOptions } from "../engine/index.js";
import type { Logger } from "../log.js";
import type { Config } from "./schema.js";

/** The engine the configuration asks for (the app side of the engine ← app boundary). */
export function engineOptions(config: Config, logger: Logger): SketchEngineOptions {
  return {
    modelPath: config.model,
    ep: config.ep,
    threads: config.threads,
    workers: config.engineWorkers,
    batch: config.batch,
    logger,
  };
}
