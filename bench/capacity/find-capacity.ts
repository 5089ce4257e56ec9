// The search for one size and engine: N = 1, 2, … streams until a trial fails (or the cap), one
// table row per trial.
import type { SketchEngine } from "../../server/engine/index.js";
import type { FrameSize } from "../../server/live/live-sketch-size.js";
import type { Logger } from "../../server/log.js";
import type { WorkerPool } from "../../server/media/worker-pool.js";
import { bottleneck } from "./bottleneck.js";
import { stages } from "./cpu-usage.js";
import { runTrial, type TrialResult } from "./run-trial.js";

export const minFps = 29;
export const maxP90Ms = 50;

export interface SearchOptions {
  pool: WorkerPool;
  engine: SketchEngine;
  /** Shown in the table: the engine's settings. */
  label: string;
  width: number;
  height: number;
  /** Cameras larger than this are drawn at this size (live.sketchSize); unset: at their own. */
  fit: FrameSize | undefined;
  maxStreams: number;
  warmupSeconds: number;
  windowSeconds: number;
  nodeThreads: Set<string>;
  log: Logger;
}

const passes = (r: TrialResult) => r.minFps >= minFps && r.p90Ms < maxP90Ms;
const round = (v: number) => (Number.isFinite(v) ? +v.toFixed(1) : "n/a");

export async function findCapacity(
  o: SearchOptions,
): Promise<{ rows: Record<string, string | number>[]; summary: string }> {
  const rows: Record<string, string | number>[] = [];
  const shrunk = o.fit && (o.fit.width < o.width || o.fit.height < o.height);
  const size = `${o.width}x${o.height}${shrunk ? ` drawn within ${o.fit?.width}x${o.fit?.height}` : ""}`;
  const what = `${size}@30, ${o.label}`;
  for (let streams = 1; streams <= o.maxStreams; streams++) {
    const r = await runTrial({ ...o, streams });
    rows.push({
      size,
      engine: o.label,
      streams,
      "fps min": round(r.minFps),
      "decoded fps min": round(r.minDecodedFps),
      "p50 ms": round(r.p50Ms),
      "p90 ms": round(r.p90Ms),
      "process ms": round(r.processMs),
      "drop model": r.dropped.model,
      "drop enc": r.dropped.encoder,
      ...Object.fromEntries(stages.map((s) => [`%cpu ${s}`, r.cpu[s]])),
      ok: passes(r) ? "yes" : "no",
    });
    if (!passes(r))
      return {
        rows,
        summary: `${what}: capacity ${streams - 1}; at ${streams} the limit was ${bottleneck(r, streams, minFps)}`,
      };
  }
  return { rows, summary: `${what}: held at every N up to the cap of ${o.maxStreams}` };
}
