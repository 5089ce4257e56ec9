// The real engine on the real model (SKETCHCAST_MODEL overrides models/sketch.onnx), with its log
// lines captured so tests can look at them.

import type { ExecutionProvider } from "../../server/config/schema.js";
import { SketchEngine } from "../../server/engine/index.js";
import { createLogger } from "../../server/log.js";
import { defaultModelPath } from "../../server/paths.js";

export const modelPath = process.env.SKETCHCAST_MODEL ?? defaultModelPath;

export interface LogLine {
  level: number;
  msg: string;
}

export async function openEngine(
  ep: ExecutionProvider = "cpu",
): Promise<{ engine: SketchEngine; logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const logger = createLogger("info", {
    write: (line: string) => void logs.push(JSON.parse(line) as LogLine),
  });
  const engine = await SketchEngine.create({ modelPath, ep, threads: 2, logger });
  return { engine, logs };
}
