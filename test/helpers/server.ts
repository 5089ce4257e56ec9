// Starts the real server (`node --import tsx server/main.ts`, with the heap flags) as a child process
// on a free port with its own data directory, and waits until /healthz answers. The child is the
// server process itself (no npx/tsx wrapper in between), so its pid is the one to SIGKILL or to look
// for children under.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { heapFlags } from "../../server/heap-flags.js";
import { repoRoot } from "../../server/paths.js";

export interface RunningServer {
  url: string;
  pid: number;
  dataDir: string;
  /** Everything the server wrote to stdout/stderr so far (for failure messages). */
  output: () => string;
  /** SIGKILL and wait for the process to be gone. */
  kill: () => Promise<void>;
  /** SIGTERM (graceful shutdown) and wait for the exit. */
  stop: () => Promise<void>;
}

export interface StartOptions {
  /** Reuse a data directory (restart tests); default: a fresh temp directory. */
  dataDir?: string;
  /** Extra SKETCHCAST_* settings, e.g. { SKETCHCAST_UPLOAD_LIMIT: "200k" }. */
  env?: Record<string, string>;
  /** Command-line flags, e.g. ["--ep", "webgpu"] (flags win over env, as for `sketchcast serve`). */
  args?: string[];
  /** How long to wait for /healthz (starting Node + tsx + the model takes seconds on a busy box). */
  readyTimeoutMs?: number;
  /** The command instead of `node --import tsx server/main.ts` (args appended), e.g. ["npm", "start"]. */
  command?: string[];
}

/** One line of the server's JSON log (pino): level 30 info, 40 warn, 50 error. */
export interface ServerLogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/** The JSON log lines in a server's output so far (anything else it printed is left out). */
export function serverLogLines(server: RunningServer): ServerLogLine[] {
  const lines: ServerLogLine[] = [];
  for (const text of server.output().split("\n")) {
    if (!text.startsWith("{")) continue;
    try {
      const line = JSON.parse(text) as ServerLogLine;
      if (typeof line.level === "number") lines.push(line);
    } catch {
      // a line cut by the output buffer's start, or not JSON after all
    }
  }
  return lines;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export async function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "sketchcast-test-"));
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? (await tempDataDir());
  const port = await freePort();
  let output = "";
  const command = opts.command ?? [process.execPath, ...heapFlags, "--import", "tsx", "server/main.ts"];
  const child = spawn(command[0] as string, [...command.slice(1), ...(opts.args ?? [])], {
    cwd: repoRoot,
    env: {
      ...process.env,
      SKETCHCAST_PORT: String(port),
      SKETCHCAST_HOST: "127.0.0.1",
      SKETCHCAST_DATA_DIR: dataDir,
      // Every test client comes from 127.0.0.1, so the per-address live limits would count them all
      // as one stranger; the tests of those limits set their own.
      SKETCHCAST_LIVE_TOKENS_PER_MINUTE: "100000",
      SKETCHCAST_LIVE_CONNECTIONS_PER_ADDRESS: "10000",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (text: string) => {
      output = (output + text).slice(-64_000);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 45_000);
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`server exited with ${child.exitCode} while starting:\n${output}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not become healthy:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid as number,
    dataDir,
    output: () => output,
    kill: async () => {
      child.kill("SIGKILL");
      await exited(child);
    },
    stop: async () => {
      child.kill("SIGTERM");
      await exited(child);
    },
  };
}

/** Removes a temp data directory made by tempDataDir/startServer. */
export async function removeDataDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
