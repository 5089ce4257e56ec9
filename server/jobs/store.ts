import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { JOB_ID, type Job, jobSchema } from "./job.js";

/**
 * Jobs on disk: `<root>/<id>/job.json` plus the upload and the result in the same folder.
 * The in-memory map is the working copy; every state change is written through atomically.
 * A folder without job.json is an upload that was never accepted (the server died mid-upload):
 * nobody holds its id, so `load` removes it.
 */
export class JobStore {
  readonly #jobs = new Map<string, Job>();

  constructor(readonly root: string) {}

  dir(id: string): string {
    return join(this.root, id);
  }

  path(id: string, file: string): string {
    return join(this.root, id, file);
  }

  /** Reads every job folder; returns the jobs and the reasons folders were skipped. */
  async load(): Promise<{ jobs: Job[]; skipped: string[] }> {
    await mkdir(this.root, { recursive: true });
    const skipped: string[] = [];
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory() || !JOB_ID.test(entry.name)) continue;
      let text: string;
      try {
        text = await readFile(this.path(entry.name, "job.json"), "utf8");
      } catch {
        await rm(this.dir(entry.name), { recursive: true, force: true });
        skipped.push(`${entry.name}: unfinished upload removed`);
        continue;
      }
      const parsed = jobSchema.safeParse(safeJson(text));
      if (!parsed.success || parsed.data.id !== entry.name) {
        skipped.push(`${entry.name}: unreadable job.json left in place`);
        continue;
      }
      this.#jobs.set(parsed.data.id, parsed.data);
    }
    return { jobs: this.list(), skipped };
  }

  /** Oldest first, so a listing and the resume order follow submission order. */
  list(): Job[] {
    return [...this.#jobs.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  /** A fresh folder for an incoming upload; it only becomes a job once `save` writes job.json. */
  async reserve(id: string): Promise<string> {
    await mkdir(this.dir(id), { recursive: true });
    return this.dir(id);
  }

  async save(job: Job): Promise<void> {
    this.#jobs.set(job.id, job);
    await writeFileAtomic(this.path(job.id, "job.json"), `${JSON.stringify(job, null, 2)}\n`);
  }

  /** Applies `patch`, writes the job and returns the new record. */
  async update(id: string, patch: Partial<Job>): Promise<Job> {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    const next = { ...job, ...patch };
    await this.save(next);
    return next;
  }

  /** Progress is kept in memory only: a resumed job restarts from frame 0 anyway. */
  setProgress(id: string, progress: Job["progress"]): Job | undefined {
    const job = this.#jobs.get(id);
    if (!job) return undefined;
    const next = { ...job, progress };
    this.#jobs.set(id, next);
    return next;
  }

  async remove(id: string): Promise<void> {
    this.#jobs.delete(id);
    await rm(this.dir(id), { recursive: true, force: true });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
