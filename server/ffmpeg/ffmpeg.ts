/**
 * The one way sketchcast runs ffmpeg. Every child goes through spawnFfmpeg and is tracked until it
 * exits, so nothing outlives its owner: pass `signal` to end it when the owner aborts, call
 * `kill()` on error paths, and the server calls `killAllFfmpeg()` on shutdown (a process `exit`
 * hook kills any left over as a last resort).
 *
 *   const ff = spawnFfmpeg(["-f", "rawvideo", "-pix_fmt", "gray", "-s", "640x360", "-i", "pipe:0", …],
 *                          { name: "encode", signal });
 *   ff.stdin.write(frame);       // raw frames in (respect the return value: await "drain")
 *   ff.stdout.on("data", …);     // or frames/RTP/whatever the args say out
 *   await ff.wait();             // resolves on exit 0; rejects with FfmpegError, whose message
 *                                // is ffmpeg's last stderr line (stderrTail() has more)
 *
 * `args` is the full ffmpeg argument list after the global options this adds
 * (`-hide_banner -nostdin -loglevel <logLevel>`), so any input works: files, `pipe:0`, an SDP file
 * with `-protocol_whitelist file,udp,rtp`, and any output: `pipe:1`, files, `-f rtp rtp://…`.
 * probe.ts runs ffprobe through the same registry (spawnFfprobe).
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";

export interface SpawnOptions {
  /** Shown in error messages: "ffmpeg (decode) failed: …". */
  name?: string;
  /** Kills the process when aborted. */
  signal?: AbortSignal;
  /** ffmpeg's -loglevel; stderr is only kept for error messages. Default "error". */
  logLevel?: string;
  /** Open file descriptors the child gets as fds 3, 4, … (untrusted media, see untrusted-input.ts). */
  fds?: number[];
  /** Called with each complete line ffmpeg writes to stderr (for what only its log tells). */
  onStderrLine?: (line: string) => void;
}

export class FfmpegError extends Error {
  override name = "FfmpegError";
  constructor(
    message: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

const live = new Set<FfmpegProcess>();
const stderrKeep = 8192;

export class FfmpegProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Resolves (never rejects) when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = "";
  private killed = false;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly detach: () => void;

  constructor(
    readonly program: "ffmpeg" | "ffprobe",
    args: string[],
    readonly options: SpawnOptions = {},
  ) {
    const global = [
      "-hide_banner",
      ...(program === "ffmpeg" ? ["-nostdin"] : []),
      "-loglevel",
      options.logLevel ?? "error",
    ];
    this.child = spawn(program, [...global, ...args], {
      stdio: ["pipe", "pipe", "pipe", ...(options.fds ?? [])],
    }) as ChildProcessByStdio<Writable, Readable, Readable>;
    this.stdin = this.child.stdin;
    this.stdout = this.child.stdout;
    // A dead ffmpeg makes writes fail with EPIPE; that surfaces through wait(), not as a crash.
    this.stdin.on("error", () => {});
    this.child.stderr.setEncoding("utf8");
    let partial = "";
    this.child.stderr.on("data", (text: string) => {
      this.stderr = (this.stderr + text).slice(-stderrKeep);
      if (!options.onStderrLine) return;
      const lines = (partial + text).split("\n");
      partial = (lines.pop() as string).slice(-stderrKeep);
      for (const line of lines) options.onStderrLine(line);
    });
    live.add(this);
    const onAbort = () => this.kill();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    this.detach = () => options.signal?.removeEventListener("abort", onAbort);
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        live.delete(this);
        this.detach();
        resolve({ code, signal });
      };
      this.child.once("error", (err) => {
        this.stderr += `\n${err.message}`;
        finish(null, null);
      });
      this.child.once("close", finish);
    });
    if (options.signal?.aborted) this.kill();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The end of what ffmpeg wrote to stderr. */
  stderrTail(): string {
    return this.stderr.trim();
  }

  /** Ends the process now (SIGKILL: an aborted output is not worth finalizing). Idempotent. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.child.stdin.destroy();
    this.child.stdout.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  /** Resolves when ffmpeg exits with 0; rejects with an FfmpegError otherwise (also when killed). */
  async wait(): Promise<void> {
    const { code, signal } = await this.exited;
    if (code === 0) return;
    const lastLine =
      this.stderrTail().split("\n").at(-1) || (signal ? `killed by ${signal}` : `exit code ${code}`);
    throw new FfmpegError(
      `${this.program}${this.options.name ? ` (${this.options.name})` : ""} failed: ${lastLine}`,
      code,
      this.stderrTail(),
    );
  }
}

export function spawnFfmpeg(args: string[], options?: SpawnOptions): FfmpegProcess {
  return new FfmpegProcess("ffmpeg", args, options);
}

export function spawnFfprobe(args: string[], options?: SpawnOptions): FfmpegProcess {
  return new FfmpegProcess("ffprobe", args, options);
}

/** Kills every ffmpeg/ffprobe still running and waits for them to exit (server shutdown). */
export async function killAllFfmpeg(): Promise<void> {
  const all = [...live];
  for (const p of all) p.kill();
  await Promise.all(all.map((p) => p.exited));
}

/** How many ffmpeg processes are running (tests check for leaks with it). */
export function runningFfmpegCount(): number {
  return live.size;
}

process.once("exit", () => {
  for (const p of live) p.kill();
});
