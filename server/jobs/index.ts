import { join } from "node:path";
import multipart from "@fastify/multipart";
import type { ServerContext } from "../http/server.js";
import { metrics as registry } from "../metrics.js";
import { JobAccess } from "./access.js";
import { conversionProcess } from "./conversion-process.js";
import { jsonErrors } from "./http-error.js";
import { JobManager } from "./manager.js";
import { createJobMetrics } from "./metrics.js";
import { jobRoutes } from "./routes.js";
import { attachJobsNamespace } from "./socket.js";
import { JobStore } from "./store.js";

/**
 * Conversion jobs: HTTP API under /api/jobs, progress on the socket.io namespace /jobs (both only
 * for a job's key holder or the admin token, see access.ts), metrics,
 * and on start the jobs a previous run left unfinished. Conversions run through a pool bounded by
 * `jobConcurrency` (default 1), each in a process of its own that gets only the CPU time live
 * streams leave.
 */
export async function registerJobs(ctx: ServerContext): Promise<JobManager> {
  const store = new JobStore(join(ctx.config.dataDir, "jobs"));
  const log = ctx.log.child({ feature: "jobs" });
  const access = new JobAccess(ctx.config.adminToken);
  const metrics = createJobMetrics(registry, () => store.list());
  const manager = new JobManager(
    store,
    // Live first: each job runs in a process of its own that gets only the CPU time live leaves
    // (conversion-process.ts), with one engine thread: a conversion is throughput-bound, and the CLI
    // measured 1 thread as fast as 2.
    conversionProcess({
      engine: { ep: ctx.config.ep, threads: 1, modelPath: ctx.config.model },
      logLevel: ctx.config.logLevel,
      liveActive: () => ctx.engine.openStreams > 0,
    }),
    metrics,
    log,
    ctx.config.jobConcurrency,
  );
  await ctx.app.register(async (scope) => {
    // A file over the limit is cut short rather than thrown, so the handler answers 413 itself.
    await scope.register(multipart, { throwFileSizeLimit: false });
    jsonErrors(scope);
    jobRoutes(scope, manager, metrics, ctx.config, access);
  });
  attachJobsNamespace(ctx.io, manager, access);
  // Close hooks run before the server kills leftover ffmpegs, so our conversions end as
  // "interrupted, resume on next start" rather than as failures.
  ctx.onClose(() => manager.close());
  await manager.resume();
  return manager;
}
