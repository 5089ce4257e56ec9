import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { JOB_STATES, type Job } from "./job.js";

export interface JobMetrics {
  finished: Counter<"state">;
  conversionSeconds: Histogram;
  rejectedUploads: Counter<"status">;
}

/** Job metrics on the shared registry; the per-state gauge is counted from the store at scrape time. */
export function createJobMetrics(registry: Registry, jobs: () => Job[]): JobMetrics {
  new Gauge({
    name: "sketchcast_jobs",
    help: "Conversion jobs currently known, by state",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0]));
      for (const job of jobs()) counts[job.state] = (counts[job.state] ?? 0) + 1;
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  return {
    finished: new Counter({
      name: "sketchcast_jobs_finished_total",
      help: "Conversion jobs that ended, by final state",
      labelNames: ["state"],
      registers: [registry],
    }),
    conversionSeconds: new Histogram({
      name: "sketchcast_job_conversion_seconds",
      help: "Wall time of successful conversions",
      buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    }),
    rejectedUploads: new Counter({
      name: "sketchcast_job_uploads_rejected_total",
      help: "Uploads refused before becoming a job, by HTTP status",
      labelNames: ["status"],
      registers: [registry],
    }),
  };
}
