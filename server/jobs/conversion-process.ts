// Live before files: every conversion job runs in a process of its own (conversion-child.ts) under
// Linux's SCHED_IDLE policy, so the OS runs any of a job's work — its engine's network thread, its
// optical flow on its own libuv pool, its garbage collection and its ffmpegs (children inherit the
// policy) — only on a core nothing else wants, and a live thread that wakes up takes the core from
// it at once. That is "conversions use the time live streams leave", enforced by the scheduler for
// every thread rather than by the engine's order for the network runs alone. The process also takes
// its memory with it when the job ends (an 8K or 1080p job used to leave the server's heaps and
// ONNX Runtime's arena hundreds of MB larger). Cost: a Node start and a session load per job (≈ 1 s).
import { spawn } from "node:child_process";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { heapFlags } from "../heap-flags.js";
import type { ConversionStart, FromConversion, ToConversion } from "./conversion-protocol.js";
import type { Convert, ConvertRequest } from "./manager.js";

export interface ConversionProcessOptions {
  engine: ConversionStart["engine"];
  logLevel: ConversionStart["logLevel"];
  /** Whether the server draws live streams now; a conversion paces itself while it does. */
  liveActive: () => boolean;
}

/** How often a conversion process is told whether live streams are active. */
const liveCheckMs = 250;

/** How long an aborted conversion may take to wind down before it is killed. */
const abortGraceMs = 10_000;

/** The child's command: the compiled .js under dist/, or under vitest and tsx the .ts source with
 *  tsx's loader. `chrt` (util-linux, in every Debian) starts it already under SCHED_IDLE, so every
 *  thread it starts inherits the policy (changing a running Node's pid reaches only its main
 *  thread); an unprivileged process may always choose it. */
function command(): [string, string[]] {
  const entry = new URL(`./conversion-child${extname(import.meta.url)}`, import.meta.url);
  const loader = entry.pathname.endsWith(".ts") ? ["--import", "tsx"] : [];
  return ["chrt", ["--idle", "0", process.execPath, ...heapFlags, ...loader, fileURLToPath(entry)]];
}

export function conversionProcess(o: ConversionProcessOptions): Convert {
  return (request) => runConversion(request, o);
}

function runConversion(
  r: ConvertRequest,
  o: ConversionProcessOptions,
): Promise<{ frames: number; durationSeconds: number }> {
  r.signal.throwIfAborted();
  const [program, args] = command();
  const child = spawn(program, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const send = (m: ToConversion) => {
    if (child.connected) child.send(m);
  };
  return new Promise((resolve, reject) => {
    let outcome: FromConversion | undefined;
    let killer: NodeJS.Timeout | undefined;
    let live: boolean | undefined;
    const checkLive = () => {
      const now = o.liveActive();
      if (now !== live) send({ type: "live", active: now });
      live = now;
    };
    const liveCheck = setInterval(checkLive, liveCheckMs);
    const onAbort = () => {
      send({ type: "abort" });
      killer = setTimeout(() => child.kill("SIGKILL"), abortGraceMs);
    };
    r.signal.addEventListener("abort", onAbort, { once: true });
    child.on("message", (m: FromConversion) => {
      if (m.type === "progress") r.onProgress(m.progress);
      else outcome = m;
    });
    child.once("error", (err) => finish(`cannot start a conversion process: ${err.message}`));
    child.once("exit", (code, signal) => finish(`the conversion process exited (${signal ?? code})`));

    function finish(why: string) {
      clearInterval(liveCheck);
      r.signal.removeEventListener("abort", onAbort);
      clearTimeout(killer);
      if (r.signal.aborted) reject(r.signal.reason);
      else if (outcome?.type === "done") resolve(outcome);
      else reject(new Error(outcome?.type === "failed" ? outcome.message : why));
    }
    send({
      type: "start",
      input: r.input,
      output: r.output,
      style: r.style,
      detail: r.detail,
      temporal: r.temporal,
      engine: o.engine,
      logLevel: o.logLevel,
    });
    checkLive();
  });
}
