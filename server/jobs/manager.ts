import { EventEmitter } from "node:events";
import { readdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { ConvertProgress } from "../convert/convert-file.js";
import { FINAL_STATES, type Job, type JobOptions, resultFormat } from "./job.js";
import type { JobMetrics } from "./metrics.js";
import { WorkerPool } from "./pool.js";
import type { JobStore } from "./store.js";

export interface ConvertRequest {
  input: string;
  output: string;
  style: JobOptions["style"];
  detail: number;
  temporal: boolean;
  signal: AbortSignal;
  onProgress: (p: ConvertProgress) => void;
}
export type Convert = (request: ConvertRequest) => Promise<{ frames: number; durationSeconds: number }>;

/** A job that keeps getting interrupted by crashes probably causes them: stop resuming it. */
export const MAX_ATTEMPTS = 3;

/** Why a conversion was aborted: the user asked, or the server is going down (the job resumes later). */
type AbortReason = "cancel" | "shutdown";

interface Events {
  /** Progress of a running job. */
  progress: [Job];
  /** Any state change, including the final one. */
  state: [Job];
}

/** Runs jobs from the store through the pool and keeps job.json in step with what happens. */
export class JobManager extends EventEmitter<Events> {
  readonly #pool: WorkerPool;
  #closed = false;

  constructor(
    readonly store: JobStore,
    private readonly convert: Convert,
    private readonly metrics: JobMetrics,
    private readonly log: Logger,
    concurrency: number,
  ) {
    super();
    this.#pool = new WorkerPool(concurrency);
  }

  /**
   * After a restart: jobs that were queued or running start again from the beginning (a partial
   * result is worthless), unless their upload is gone or they already failed to finish too often.
   */
  async resume(): Promise<void> {
    const { jobs, skipped } = await this.store.load();
    for (const reason of skipped) this.log.warn({ reason }, "job folder skipped");
    for (const job of jobs) {
      if (FINAL_STATES.has(job.state)) continue;
      // Whatever happens next, an earlier attempt's partial result is worthless.
      await this.#removePartials(job.id);
      const upload = await stat(this.store.path(job.id, job.input.file)).catch(() => undefined);
      if (!upload) await this.#finish(job.id, "failed", "the upload was lost while the server was down");
      else if (job.attempts >= MAX_ATTEMPTS)
        await this.#finish(job.id, "failed", `conversion was interrupted ${job.attempts} times; giving up`);
      else {
        await this.store.update(job.id, { state: "queued" });
        this.log.info({ job: job.id, attempts: job.attempts }, "job resumed after restart");
        this.#enqueue(job.id);
      }
    }
  }

  /** Saves a new job (its upload already in place) and queues it. */
  async submit(job: Job): Promise<Job> {
    await this.store.save(job);
    this.emit("state", job);
    this.#enqueue(job.id);
    return job;
  }

  /**
   * DELETE: a queued or running job is cancelled (its ffmpegs are gone when this resolves) and its
   * upload removed; a finished job is removed with all its files. Returns undefined for unknown ids.
   */
  async cancelOrRemove(id: string): Promise<"cancelled" | "removed" | undefined> {
    const job = this.store.get(id);
    if (!job) return undefined;
    if (FINAL_STATES.has(job.state)) {
      await this.store.remove(id);
      return "removed";
    }
    await this.#pool.abort(id, "cancel" satisfies AbortReason);
    // A queued job never ran, so nothing else will record its end.
    if (!FINAL_STATES.has(this.store.get(id)?.state ?? "cancelled")) await this.#cancelled(id);
    return "cancelled";
  }

  /** Server shutdown: stop conversions but leave them queued on disk so the next start resumes them. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool.abortAll("shutdown" satisfies AbortReason);
  }

  #enqueue(id: string): void {
    // Uploads accepted while shutting down stay queued on disk for the next start.
    if (!this.#closed) void this.#pool.add(id, (signal) => this.#run(id, signal));
  }

  async #run(id: string, signal: AbortSignal): Promise<void> {
    const queued = this.store.get(id);
    if (!queued) return;
    const format = resultFormat(queued);
    // A new name per attempt: an ffmpeg orphaned by a crashed server may still be finishing the
    // previous attempt's file.
    const partial = this.store.path(id, `result-partial-${queued.attempts + 1}.${format}`);
    const final = `result.${format}`;
    const job = await this.store.update(id, {
      state: "running",
      attempts: queued.attempts + 1,
      startedAt: new Date().toISOString(),
      progress: { frames: 0, totalFrames: queued.progress.totalFrames, fps: 0, percent: 0 },
    });
    this.emit("state", job);
    const started = performance.now();
    try {
      signal.throwIfAborted();
      const out = await this.convert({
        input: this.store.path(id, job.input.file),
        output: partial,
        style: job.options.style,
        detail: job.options.detail,
        temporal: job.options.temporal,
        signal,
        onProgress: (p) => this.#progress(id, p),
      });
      await rename(partial, this.store.path(id, final));
      const { size } = await stat(this.store.path(id, final));
      this.metrics.conversionSeconds.observe((performance.now() - started) / 1000);
      await this.store.update(id, {
        result: { file: final, size, frames: out.frames, durationSeconds: out.durationSeconds },
        progress: {
          ...(this.store.get(id)?.progress ?? job.progress),
          frames: out.frames,
          totalFrames: out.frames,
          etaSeconds: 0,
          percent: 100,
        },
      });
      await this.#finish(id, "done");
    } catch (err) {
      await rm(partial, { force: true });
      if (signal.aborted && signal.reason === "shutdown") {
        // A clean shutdown is not a crash: it does not count against MAX_ATTEMPTS.
        await this.store.update(id, { state: "queued", attempts: queued.attempts });
      } else if (signal.aborted) {
        await this.#cancelled(id);
      } else {
        await this.#finish(id, "failed", readable(err));
      }
    }
  }

  async #removePartials(id: string): Promise<void> {
    for (const file of await readdir(this.store.dir(id))) {
      if (file.startsWith("result-partial-")) await rm(this.store.path(id, file), { force: true });
    }
  }

  async #cancelled(id: string): Promise<void> {
    const job = this.store.get(id);
    if (job) await rm(this.store.path(id, dirname(job.input.file)), { recursive: true, force: true });
    await this.#finish(id, "cancelled", "cancelled on request");
  }

  async #finish(id: string, state: "done" | "failed" | "cancelled", error?: string): Promise<void> {
    const job = await this.store.update(id, { state, error, finishedAt: new Date().toISOString() });
    this.metrics.finished.inc({ state });
    if (error && state === "failed") this.log.warn({ job: id, error }, "job failed");
    this.emit("state", job);
  }

  /** convertFile already reports at most every 250 ms, so every report goes out. */
  #progress(id: string, p: ConvertProgress): void {
    const percent = p.totalFrames ? Math.min(100, Math.round((p.frames / p.totalFrames) * 1000) / 10) : 0;
    const job = this.store.setProgress(id, { ...p, percent });
    if (job) this.emit("progress", job);
  }
}

/** One line for the API: the first line of the error message. */
function readable(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0]?.trim() || "conversion failed";
}
