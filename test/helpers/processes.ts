// Child processes of a pid, read from /proc (Linux), to check that nothing (ffmpeg) was left behind.
import { readdir, readFile } from "node:fs/promises";

export interface ChildProc {
  pid: number;
  /** The executable name (`comm`), e.g. "ffmpeg". */
  name: string;
}

/** Every live (not zombie) process and its parent, from one pass over /proc. */
async function processTable(): Promise<(ChildProc & { ppid: number })[]> {
  const found: (ChildProc & { ppid: number })[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so split after the ")".
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const close = stat.lastIndexOf(")");
    if (close < 0) continue;
    const [state, ppid] = stat.slice(close + 2).split(" ");
    if (state !== "Z")
      found.push({ pid: Number(entry), ppid: Number(ppid), name: stat.slice(stat.indexOf("(") + 1, close) });
  }
  return found;
}

export async function childProcesses(parent: number): Promise<ChildProc[]> {
  return (await processTable()).filter((p) => p.ppid === parent).map(({ pid, name }) => ({ pid, name }));
}

/** Children, their children and so on (a conversion process's ffmpegs are the server's grandchildren). */
export async function descendants(pid: number): Promise<ChildProc[]> {
  const table = await processTable();
  const found: ChildProc[] = [];
  const walk = (parent: number) => {
    for (const p of table.filter((q) => q.ppid === parent)) {
      found.push({ pid: p.pid, name: p.name });
      walk(p.pid);
    }
  };
  walk(pid);
  return found;
}

/** Linux's SCHED_IDLE scheduling policy number. */
export const schedIdle = 5;

/** A process's scheduling policy (field 41 of /proc/<pid>/stat), or undefined once it has exited. */
export async function schedulingPolicy(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return stat ? Number(fields[38]) : undefined;
}
