// Conversion progress over socket.io (namespace /jobs). Re-subscribes after a reconnect, so a
// server restart mid-job keeps the page up to date once the job resumes.
import { io } from "socket.io-client";
import type { JobView, Progress } from "./api.js";

export interface Watchers {
  progress: (p: Progress & { state: JobView["state"] }) => void;
  done: (job: JobView) => void;
  failed: (job: JobView) => void;
}

const socket = io("/jobs");
let current: { id: string; key: string | undefined; on: Watchers } | undefined;

function subscribe(): void {
  if (!current) return;
  const { id, key, on } = current;
  socket.emit("subscribe", { id, key }, (ack: { ok?: true; job?: JobView; error?: string }) => {
    if (current?.id !== id) return;
    if (!ack.job)
      return on.failed({
        id,
        state: "failed",
        error: ack.error,
        progress: { frames: 0, fps: 0, percent: 0 },
      });
    // The job may have ended before we subscribed: the ack tells.
    if (ack.job.state === "done") on.done(ack.job);
    else if (ack.job.state === "failed" || ack.job.state === "cancelled") on.failed(ack.job);
    else on.progress({ ...ack.job.progress, state: ack.job.state });
  });
}

socket.on("connect", subscribe);
socket.on("progress", (p: Progress & { id: string; state: JobView["state"] }) => {
  if (p.id === current?.id) current.on.progress(p);
});
socket.on("done", (job: JobView) => {
  if (job.id === current?.id) current.on.done(job);
});
socket.on("failed", (job: JobView) => {
  if (job.id === current?.id) current.on.failed(job);
});

/** Follows one job at a time (with its key); watching another (or undefined) drops the previous one. */
export function watchJob(id: string | undefined, key?: string, on?: Watchers): void {
  if (current) socket.emit("unsubscribe", { id: current.id, key: current.key });
  current = id && on ? { id, key, on } : undefined;
  if (socket.connected) subscribe();
}
