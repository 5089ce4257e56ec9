// The real engine on the committed model (SKETCHCAST_MODEL overrides it), with its log
// lines captured so tests can look at them.

import type { ExecutionProvider } from "../../server/engine/execution-provider.js";
import { SketchEngine } from "../../server/engine/index.js";
import { createLogger } from "../../server/log.js";

/** Unset: the engine's default for the provider (sketch-int8.onnx on cpu). */
export const modelPath = process.env.SKETCHCAST_MODEL;

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
