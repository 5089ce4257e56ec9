import { z } from "zod";
import { styleNames } from "../engine/styles.js";

/** Lifecycle of a conversion job; `done`, `failed` and `cancelled` are final. */
export const JOB_STATES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];

export const FINAL_STATES: ReadonlySet<JobState> = new Set(["done", "failed", "cancelled"]);

/** Multipart form fields arrive as strings: "true"/"on"/"1" switch a flag on. */
const flag = z
  .union([z.boolean(), z.enum(["true", "false", "on", "off", "1", "0"])])
  .transform((v) => v === true || v === "true" || v === "on" || v === "1");

/** What the uploader chooses. Stills (one-frame inputs) always come back as PNG whatever `format` says. */
export const jobOptionsSchema = z.object({
  style: z.enum(styleNames).default("pencil"),
  detail: z.coerce.number().min(0).max(1).default(0.5),
  temporal: flag.default(true),
  format: z.enum(["mp4", "webm"]).default("mp4"),
});
export type JobOptions = z.infer<typeof jobOptionsSchema>;

export const progressSchema = z.object({
  frames: z.number(),
  totalFrames: z.number().optional(),
  fps: z.number(),
  etaSeconds: z.number().optional(),
  percent: z.number(),
});
export type JobProgress = z.infer<typeof progressSchema>;

/** What job.json holds; parsed on load so a hand-edited or half-migrated file fails loudly, per job. */
export const jobSchema = z.object({
  id: z.string(),
  state: z.enum(JOB_STATES),
  options: jobOptionsSchema,
  input: z.object({
    /** Original file name as uploaded (used for the download name only, never for paths). */
    name: z.string(),
    /** File name inside the job folder. */
    file: z.string(),
    size: z.number(),
    width: z.number(),
    height: z.number(),
    still: z.boolean(),
  }),
  progress: progressSchema,
  result: z
    .object({ file: z.string(), size: z.number(), frames: z.number(), durationSeconds: z.number() })
    .optional(),
  error: z.string().optional(),
  /** sha256 (hex) of the job's key (server/jobs/access.ts); absent on jobs stored before owners: admin only. */
  ownerHash: z.string().optional(),
  /** How many times a conversion was started; bounds resumes after crashes. */
  attempts: z.number(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});
export type Job = z.infer<typeof jobSchema>;

export const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const idSchema = z.string().regex(JOB_ID, "not a job id");

export const RESULT_TYPES = { mp4: "video/mp4", webm: "video/webm", png: "image/png" } as const;
export type ResultFormat = keyof typeof RESULT_TYPES;

export function resultFormat(job: Pick<Job, "options" | "input">): ResultFormat {
  return job.input.still ? "png" : job.options.format;
}

/**
 * The public view of a job (GET /api/jobs/:id and the list). With the owner's `key` the result URL
 * carries it (`?key=`), so it works as a `<video src>` or a download link.
 */
export function jobView(job: Job, key?: string) {
  return {
    id: job.id,
    state: job.state,
    options: job.options,
    input: { name: job.input.name, size: job.input.size, width: job.input.width, height: job.input.height },
    progress: job.progress,
    error: job.error,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    result: job.result
      ? {
          url: `/api/jobs/${job.id}/result${key ? `?key=${encodeURIComponent(key)}` : ""}`,
          contentType: RESULT_TYPES[resultFormat(job)],
          size: job.result.size,
          frames: job.result.frames,
          durationSeconds: job.result.durationSeconds,
        }
      : undefined,
  };
}
export type JobView = ReturnType<typeof jobView>;
