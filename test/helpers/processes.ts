// Child processes of a pid, read from /proc (Linux), to check that nothing (ffmpeg) was left behind.
import { readdir, readFile } from "node:fs/promises";

export interface ChildProc {
  pid: number;
  /** The executable name (`comm`), e.g. "ffmpeg". */
  name: string;
}

export async function childProcesses(parent: number): Promise<ChildProc[]> {
  const found: ChildProc[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so split after the ")".
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const close = stat.lastIndexOf(")");
    if (close < 0) continue;
    const [state, ppid] = stat.slice(close + 2).split(" ");
    if (Number(ppid) === parent && state !== "Z") {
      found.push({ pid: Number(entry), name: stat.slice(stat.indexOf("(") + 1, close) });
    }
  }
  return found;
}

/** Children, their children and so on (a conversion process's ffmpegs are the server's grandchildren). */
export async function descendants(pid: number): Promise<ChildProc[]> {
  const found: ChildProc[] = [];
  for (const child of await childProcesses(pid)) found.push(child, ...(await descendants(child.pid)));
  return found;
}

/** A process's nice value (field 19 of /proc/<pid>/stat), or undefined once it has exited. */
export async function niceness(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return stat ? Number(fields[16]) : undefined;
}
