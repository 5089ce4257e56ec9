// Talking to the jobs API the way a client does: multipart upload with fetch, progress over the
// socket.io namespace /jobs, the job's key (from the upload's answer) on every later request.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { io, type Socket } from "socket.io-client";

export interface ProgressEvent {
  id: string;
  state: string;
  frames: number;
  totalFrames?: number;
  fps: number;
  etaSeconds?: number;
  percent: number;
}

export interface JobView {
  id: string;
  state: string;
  error?: string;
  progress: ProgressEvent;
  result?: { url: string; contentType: string; size: number; frames: number; durationSeconds: number };
  /** The job's key: in the upload's answer only. */
  key?: string;
}

/** An admin token for servers started with `--admin-token ${ADMIN_TOKEN}`. */
export const ADMIN_TOKEN = "test-admin-token-0123456789";

/** `init` with `Authorization: Bearer <key>` (a job's key or the admin token) added. */
export function bearer(key: string | undefined, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  if (key) headers.set("authorization", `Bearer ${key}`);
  return { ...init, headers };
}

/** POST /api/jobs with the file (last, as a browser form sends it) and string fields. */
export async function uploadFile(
  baseUrl: string,
  path: string,
  fields: Record<string, string> = {},
  name = basename(path),
): Promise<{ status: number; body: JobView & { error?: string } }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("file", new Blob([await readFile(path)]), name);
  const res = await fetch(`${baseUrl}/api/jobs`, { method: "POST", body: form });
  return { status: res.status, body: (await res.json()) as JobView & { error?: string } };
}

export interface JobWatch {
  socket: Socket;
  progress: ProgressEvent[];
  /** The subscribe ack's job view. */
  subscribed: Promise<{ ok?: boolean; job?: JobView; error?: string }>;
  /** Settles with the `done` or `failed` event's job view (whichever comes first). */
  ended: Promise<{ event: "done" | "failed"; job: JobView }>;
  /** Resolves at the first progress event that matches; rejects if the job ends first. */
  progressWhere: (test: (p: ProgressEvent) => boolean) => Promise<ProgressEvent>;
  close: () => void;
}

/** Subscribes to the job with its `key` (or the admin token). */
export function watchJob(baseUrl: string, id: string, key?: string): JobWatch {
  const socket = io(`${baseUrl}/jobs`, { transports: ["websocket"], forceNew: true });
  const progress: ProgressEvent[] = [];
  const waiters: {
    test: (p: ProgressEvent) => boolean;
    resolve: (p: ProgressEvent) => void;
    reject: (err: Error) => void;
  }[] = [];
  socket.on("progress", (p: ProgressEvent) => {
    progress.push(p);
    for (const w of waiters.filter((w) => w.test(p))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(p);
    }
  });
  const subscribed = socket.emitWithAck("subscribe", { id, key }) as Promise<{
    ok?: boolean;
    job?: JobView;
    error?: string;
  }>;
  const ended = new Promise<{ event: "done" | "failed"; job: JobView }>((resolve) => {
    socket.on("done", (job: JobView) => resolve({ event: "done", job }));
    socket.on("failed", (job: JobView) => resolve({ event: "failed", job }));
    // A job that ended before we subscribed sends no event; the ack says how it ended.
    void subscribed.then(({ job }) => {
      if (job?.state === "done") resolve({ event: "done", job });
      else if (job?.state === "failed" || job?.state === "cancelled") resolve({ event: "failed", job });
    });
  });
  // A job that ends never sends the awaited progress: fail with how it ended instead of hanging.
  void ended.then(({ job }) => {
    for (const w of waiters.splice(0))
      w.reject(new Error(`job ${job.state} (${job.error ?? "no error"}) first`));
  });
  return {
    socket,
    progress,
    subscribed,
    ended,
    progressWhere: (test) => {
      const seen = progress.find(test);
      return seen
        ? Promise.resolve(seen)
        : new Promise((resolve, reject) => waiters.push({ test, resolve, reject }));
    },
    close: () => socket.close(),
  };
}

/** GET a JSON endpoint; returns the status with the parsed body. */
export async function getJson<T = unknown>(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T };
}
