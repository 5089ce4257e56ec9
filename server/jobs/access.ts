import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { HttpError } from "./http-error.js";
import type { Job } from "./job.js";

/**
 * Who may see a job: whoever holds its key (handed out once, by POST /api/jobs) or the admin token.
 * job.json keeps only the key's sha256, so a copy of the jobs folder does not open the jobs.
 * A job without a hash (stored before jobs had owners) is the admin's alone.
 */

/** Bounds the work one list request can ask for (a hash per key). */
export const MAX_LISTED_KEYS = 200;

/** 256 random bits, base64url: fits a URL fragment, a header and a `?key=` alike. */
export function newJobKey(): string {
  return randomBytes(32).toString("base64url");
}

export function keyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Constant-time, whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}

export class JobAccess {
  constructor(private readonly adminToken: string | undefined) {}

  isAdmin(proof: string | undefined): boolean {
    return proof !== undefined && this.adminToken !== undefined && sameSecret(proof, this.adminToken);
  }

  /** `proof` is the job's key itself (not the admin token). */
  isOwner(job: Job, proof: string | undefined): boolean {
    return proof !== undefined && job.ownerHash !== undefined && sameSecret(keyHash(proof), job.ownerHash);
  }

  allows(job: Job, proof: string | undefined): boolean {
    return this.isOwner(job, proof) || this.isAdmin(proof);
  }

  /** The key to put in the job's result URL: the owner's own, never the admin token. */
  resultKey(job: Job, proof: string | undefined): string | undefined {
    return this.isOwner(job, proof) ? proof : undefined;
  }
}

type KeyedRequest = { headers: Record<string, string | string[] | undefined>; query: unknown };

/**
 * A job's key or the admin token: `Authorization: Bearer …`, else `?key=` (for `<video src>` and
 * download links). The admin token opens nothing as `?key=`: URLs end up in histories and logs.
 */
export function proofOf(request: KeyedRequest, access: JobAccess): string | undefined {
  const bearer = /^Bearer (\S+)$/i.exec(String(request.headers.authorization ?? ""))?.[1];
  if (bearer) return bearer;
  const key = (request.query as { key?: unknown } | undefined)?.key;
  return typeof key === "string" && key && !access.isAdmin(key) ? key : undefined;
}

/**
 * The job keys a list request presents: `X-Job-Keys: k1,k2` (a header, so they stay out of logs and
 * browser history) plus the request's proof.
 */
export function listedKeys(request: KeyedRequest, proof: string | undefined): string[] {
  const keys = String(request.headers["x-job-keys"] ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  if (proof) keys.push(proof);
  if (keys.length > MAX_LISTED_KEYS)
    throw new HttpError(400, `at most ${MAX_LISTED_KEYS} job keys per list request`);
  return keys;
}
