// A conversion process: one job's convertFile with a sketch engine of its own, started by
// conversion-process.ts at a lower CPU priority. It ends when its conversion does (after sending the
// outcome), when the server asks it to abort, or when the server is gone (its IPC channel closes);
// aborting kills its ffmpegs and removes the partial output (convertFile).
import { convertFile } from "../convert/convert-file.js";
import { SketchEngine } from "../engine/index.js";
import { createLogger } from "../log.js";
import type { ConversionStart, FromConversion, ToConversion } from "./conversion-protocol.js";

if (!process.send) throw new Error("conversion-child.ts runs as a conversion process of the server");

const abort = new AbortController();
let liveActive = false;
process.on("disconnect", () => abort.abort(new Error("the server went away")));
process.on("message", (m: ToConversion) => {
  if (m.type === "abort") abort.abort(new Error("aborted by the server"));
  else if (m.type === "live") liveActive = m.active;
  else void run(m).then(finish);
});

/** While the server draws live streams, the conversion rests after each frame as long as the frame
 *  took: under SCHED_IDLE it already runs only on CPU time live leaves, but what it does there
 *  (caches, memory bandwidth) still slowed live by 12–16 % in two of four runs. */
function pacer(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (liveActive) await new Promise((r) => setTimeout(r, performance.now() - last));
    last = performance.now();
  };
}

async function run(start: ConversionStart): Promise<FromConversion> {
  const log = createLogger(start.logLevel).child({ feature: "jobs", process: "conversion" });
  let engine: SketchEngine | undefined;
  try {
    engine = await SketchEngine.create({ ...start.engine, logger: log });
    const result = await convertFile(engine, {
      input: start.input,
      output: start.output,
      style: start.style,
      detail: start.detail,
      temporal: start.temporal,
      signal: abort.signal,
      onProgress: (progress) => send({ type: "progress", progress }),
      pace: pacer(),
    });
    return { type: "done", frames: result.frames, durationSeconds: result.durationSeconds };
  } catch (err) {
    return { type: "failed", message: err instanceof Error ? err.message : String(err) };
  } finally {
    await engine?.close();
  }
}

function send(m: FromConversion, then?: () => void): void {
  if (process.connected) process.send?.(m, undefined, undefined, then);
  else then?.();
}

/** The outcome goes out before the process exits (a send is asynchronous). */
function finish(outcome: FromConversion): void {
  send(outcome, () => process.exit(0));
}
