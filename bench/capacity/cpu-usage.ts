// CPU time per stage of the live loop, from /proc (Linux): the children's /proc/<pid>/stat (ffmpegs,
// mediasoup workers) and this process's threads' /proc/self/task/<tid>/stat.
import { readdirSync, readFileSync } from "node:fs";
import { childProcesses } from "../../test/helpers/processes.js";

export const stages = ["decode", "encode", "mediasoup", "engine", "node rest", "sources", "others"] as const;
export type Stage = (typeof stages)[number];

/**
 * CPU time (utime + stime, in clock ticks) of each process or thread, keyed "stage:id", and the
 * whole box's busy time under "box:" (whatever is not ours in it is "others": the box is shared).
 */
export type CpuSnapshot = Map<string, number>;

/** Linux reports stat times in USER_HZ ticks, 100 a second on every mainstream architecture. */
const ticksPerSecond = 100;

function ticks(statPath: string): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(statPath, "utf8");
  } catch {
    return undefined; // exited meanwhile
  }
  // Fields after "pid (comm) ": state is field 3, utime 14, stime 15; comm may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Busy ticks of all cores together, from the first line of /proc/stat ("cpu user nice system idle iowait …"). */
function boxTicks(): number {
  const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]?.trim().split(/\s+/) ?? [];
  // user nice system idle iowait irq softirq steal; the guest fields after them are already in user.
  const ticks = fields.slice(0, 8).map(Number);
  return ticks.reduce((a, b) => a + b, 0) - (ticks[3] ?? 0) - (ticks[4] ?? 0);
}

/** Which stage an ffmpeg child is, from its arguments (see rtp-decoder, vp8-rtp-encoder, synthetic-camera). */
function ffmpegStage(pid: number): Stage | undefined {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return undefined; // exited meanwhile
  }
  if (args.includes("lavfi") || args.includes("-stream_loop")) return "sources";
  if (args.includes("sdp")) return "decode";
  if (args.includes("rawvideo")) return "encode";
  return undefined;
}

export function threadIds(): Set<string> {
  return new Set(readdirSync("/proc/self/task"));
}

/**
 * Samples every stage. `nodeThreads` are the threads this process had before the engine started
 * (main thread, V8 and libuv helpers): every thread since is the engine's worker thread or one it
 * started (ONNX Runtime's intra-op pool, OpenCV's).
 */
export async function sampleCpu(nodeThreads: Set<string>): Promise<CpuSnapshot> {
  const snap: CpuSnapshot = new Map([["box:", boxTicks()]]);
  for (const child of await childProcesses(process.pid)) {
    const stage = child.name.startsWith("mediasoup")
      ? "mediasoup"
      : child.name === "ffmpeg"
        ? ffmpegStage(child.pid)
        : undefined;
    const t = stage && ticks(`/proc/${child.pid}/stat`);
    if (stage && t !== undefined) snap.set(`${stage}:${child.pid}`, t);
  }
  for (const tid of threadIds()) {
    const t = ticks(`/proc/self/task/${tid}/stat`);
    if (t !== undefined) snap.set(`${nodeThreads.has(tid) ? "node rest" : "engine"}:${tid}`, t);
  }
  return snap;
}

/** Percent of one core per stage between two snapshots `seconds` apart (a process started meanwhile counts whole). */
export function cpuPercent(from: CpuSnapshot, to: CpuSnapshot, seconds: number): Record<Stage, number> {
  const out = Object.fromEntries(stages.map((s) => [s, 0])) as Record<Stage, number>;
  let ours = 0;
  for (const [key, t] of to) {
    if (key === "box:") continue;
    const stage = key.slice(0, key.lastIndexOf(":")) as Stage;
    out[stage] += t - (from.get(key) ?? 0);
    ours += t - (from.get(key) ?? 0);
  }
  out.others = Math.max(0, (to.get("box:") ?? 0) - (from.get("box:") ?? 0) - ours);
  for (const s of stages) out[s] = Math.round((out[s] / ticksPerSecond / seconds) * 100);
  return out;
}
