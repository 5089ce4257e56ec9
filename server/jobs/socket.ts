import type { Namespace, Server, Socket } from "socket.io";
import { z } from "zod";
import type { JobAccess } from "./access.js";
import { type Job, jobView } from "./job.js";
import type { JobManager } from "./manager.js";

const subscribeSchema = z.object({ id: z.string().max(64), key: z.string().max(256).optional() });

const room = (id: string) => `job:${id}`;

/** The proof each socket gave per subscribed job, so its events carry that socket's result URL. */
const proofs = new WeakMap<Socket, Map<string, string | undefined>>();

/** What `progress` carries: flat, so a client can render it without knowing the job record. */
function progressEvent(job: Job) {
  return { id: job.id, state: job.state, ...job.progress };
}

/**
 * socket.io namespace `/jobs`: `subscribe` / `unsubscribe` with `{ id, key }` (the job's key or the
 * admin token) and an ack; subscribers get `progress`, then `done` (with the job view, including the
 * result URL) or `failed` (also for cancelled jobs; `state` says which). The subscribe ack carries the
 * current job view, so a client that subscribes after the job ended still learns how it ended.
 * A wrong key answers like an unknown id.
 */
export function attachJobsNamespace(io: Server, manager: JobManager, access: JobAccess): Namespace {
  const nsp = io.of("/jobs");
  nsp.on("connection", (socket) => {
    proofs.set(socket, new Map());
    for (const action of ["subscribe", "unsubscribe"] as const) {
      socket.on(action, (payload: unknown, ack: unknown) => {
        const reply = typeof ack === "function" ? (ack as (r: unknown) => void) : () => {};
        const parsed = subscribeSchema.safeParse(payload);
        if (!parsed.success)
          return reply({ error: `${action} expects { id: "<job id>", key: "<job key>" }` });
        const { id, key } = parsed.data;
        const job = manager.store.get(id);
        if (!job || !access.allows(job, key)) return reply({ error: `no job ${id}` });
        if (action === "subscribe") {
          proofs.get(socket)?.set(job.id, key);
          void socket.join(room(job.id));
        } else {
          proofs.get(socket)?.delete(job.id);
          void socket.leave(room(job.id));
        }
        reply({ ok: true, job: jobView(job, access.resultKey(job, key)) });
      });
    }
  });
  /** Each subscriber gets the view with its own key in the result URL. */
  const emitView = (job: Job, event: "done" | "failed") => {
    for (const socketId of nsp.adapter.rooms.get(room(job.id)) ?? []) {
      const socket = nsp.sockets.get(socketId);
      if (socket) socket.emit(event, jobView(job, access.resultKey(job, proofs.get(socket)?.get(job.id))));
    }
  };
  manager.on("progress", (job) => nsp.to(room(job.id)).emit("progress", progressEvent(job)));
  manager.on("state", (job) => {
    nsp.to(room(job.id)).emit("progress", progressEvent(job));
    if (job.state === "done") emitView(job, "done");
    else if (job.state === "failed" || job.state === "cancelled") emitView(job, "failed");
  });
  return nsp;
}
