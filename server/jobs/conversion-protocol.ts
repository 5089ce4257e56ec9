// The messages between the server and a conversion process (conversion-process.ts, on the server's
// side, and conversion-child.ts), over the child's IPC channel.
import type { Level } from "pino";
import type { ConvertProgress } from "../convert/convert-file.js";
import type { SketchEngineOptions, StyleName } from "../engine/index.js";

export interface ConversionStart {
  type: "start";
  input: string;
  output: string;
  style: StyleName;
  detail: number;
  temporal: boolean;
  /** The child's own engine: the server's provider and model, its own thread count. */
  engine: Pick<SketchEngineOptions, "ep" | "threads" | "modelPath">;
  logLevel: Level | "silent";
}

export type ToConversion =
  | ConversionStart
  | { type: "abort" }
  /** Whether the server is drawing live streams now (sent at start and on every change). */
  | { type: "live"; active: boolean };

export type FromConversion =
  | { type: "progress"; progress: ConvertProgress }
  | { type: "done"; frames: number; durationSeconds: number }
  /** The conversion failed: one readable line (convertFile's errors are written for users). */
  | { type: "failed"; message: string };
