// Running `sketchcast` the way a user does, from source (node + tsx, so tests need no build).
import { spawn } from "node:child_process";
import { repoRoot } from "../../server/paths.js";

export interface CliRun {
  code: number | null;
  stderr: string;
}

export function sketchcast(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/cli.ts", ...args], { cwd: repoRoot });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
    });
    child.stdout.resume();
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

/** The non-empty stderr lines other than progress reports. */
export const cliLines = (r: CliRun) =>
  r.stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("converting: "));
