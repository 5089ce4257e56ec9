// Room for one more job: a bounded queue and a bounded share of the disk, checked before an upload
// is read (so a full server answers at once instead of after receiving gigabytes).
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { HttpError } from "./http-error.js";
import type { JobLimits } from "./job-limits.js";
import type { JobStore } from "./store.js";

/** Throws 503 when the queue is full, 507 when the jobs' files fill the disk limit; else returns
 *  how many bytes an upload may still take. */
export async function roomForUpload(store: JobStore, limits: JobLimits): Promise<number> {
  const queued = store.list().filter((j) => j.state === "queued").length;
  if (queued >= limits.maxQueued)
    throw new HttpError(503, `the conversion queue is full (${queued} waiting); try again later`);
  const used = await diskUse(store.root);
  if (used >= limits.diskLimit) throw new HttpError(507, diskFull(used, limits.diskLimit));
  return limits.diskLimit - used;
}

export function diskFull(used: number, limit: number): string {
  return `no room for the upload: jobs use ${size(used)} of their ${size(limit)} disk limit; delete finished jobs or try later`;
}

/** Bytes in the files under `dir` (uploads, results, partial results, job.json). */
async function diskUse(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const e of entries) {
    if (!e.isFile()) continue;
    total += await stat(join(e.parentPath ?? e.path, e.name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}

const size = (bytes: number) =>
  bytes >= 2 ** 30
    ? `${Math.round((bytes / 2 ** 30) * 10) / 10} GiB`
    : `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;
