import type { Namespace, Server } from "socket.io";
import { z } from "zod";
import { type Job, jobView } from "./job.js";
import type { JobManager } from "./manager.js";

const subscribeSchema = z.object({ id: z.string().max(64) });

const room = (id: string) => `job:${id}`;

/** What `progress` carries: flat, so a client can render it without knowing the job record. */
function progressEvent(job: Job) {
  return { id: job.id, state: job.state, ...job.progress };
}

/**
 * socket.io namespace `/jobs`: `subscribe` / `unsubscribe` with `{ id }` and an ack; subscribers
 * get `progress`, then `done` (with the job view, including the result URL) or `failed` (also for
 * cancelled jobs; `state` says which). The subscribe ack carries the current job view, so a client
 * that subscribes after the job ended still learns how it ended.
 */
export function attachJobsNamespace(io: Server, manager: JobManager): Namespace {
  const nsp = io.of("/jobs");
  nsp.on("connection", (socket) => {
    for (const action of ["subscribe", "unsubscribe"] as const) {
      socket.on(action, (payload: unknown, ack: unknown) => {
        const reply = typeof ack === "function" ? (ack as (r: unknown) => void) : () => {};
        const parsed = subscribeSchema.safeParse(payload);
        if (!parsed.success) return reply({ error: `${action} expects { id: "<job id>" }` });
        const job = manager.store.get(parsed.data.id);
        if (!job) return reply({ error: `no job ${parsed.data.id}` });
        if (action === "subscribe") void socket.join(room(job.id));
        else void socket.leave(room(job.id));
        reply({ ok: true, job: jobView(job) });
      });
    }
  });
  manager.on("progress", (job) => nsp.to(room(job.id)).emit("progress", progressEvent(job)));
  manager.on("state", (job) => {
    const to = nsp.to(room(job.id));
    to.emit("progress", progressEvent(job));
    if (job.state === "done") to.emit("done", jobView(job));
    else if (job.state === "failed" || job.state === "cancelled") to.emit("failed", jobView(job));
  });
  return nsp;
}
