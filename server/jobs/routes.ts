import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { MediaError } from "../ffmpeg/media-error.js";
import { probe } from "../ffmpeg/probe.js";
import { HttpError } from "./http-error.js";
import { idSchema, type Job, jobOptionsSchema, jobView, RESULT_TYPES, resultFormat } from "./job.js";
import type { JobManager } from "./manager.js";
import type { JobMetrics } from "./metrics.js";
import { sendFile } from "./send-file.js";
import { receiveUpload } from "./upload.js";

const MEDIA_STATUS = { "not-media": 415, corrupt: 422, "too-large": 422, "unsupported-output": 422 } as const;

/** The HTTP API of conversion jobs (see README "Converting files"). */
export function jobRoutes(
  scope: FastifyInstance,
  manager: JobManager,
  metrics: JobMetrics,
  uploadLimit: number,
) {
  const { store } = manager;

  const find = (rawId: string): Job => {
    const job = idSchema.safeParse(rawId).success ? store.get(rawId) : undefined;
    if (!job) throw new HttpError(404, `no job ${rawId}`);
    return job;
  };

  scope.get("/api/jobs", async () => ({ jobs: store.list().map(jobView) }));

  scope.get<{ Params: { id: string } }>("/api/jobs/:id", async (request) => jobView(find(request.params.id)));

  scope.get<{ Params: { id: string } }>("/api/jobs/:id/result", async (request, reply) => {
    const job = find(request.params.id);
    if (job.state !== "done" || !job.result)
      throw new HttpError(409, `job ${job.id} is ${job.state}, not done`);
    const format = resultFormat(job);
    const stem = basename(job.input.name, extname(job.input.name)) || "video";
    return sendFile(
      request,
      reply,
      store.path(job.id, job.result.file),
      RESULT_TYPES[format],
      `${stem}-sketch.${format}`,
    );
  });

  scope.delete<{ Params: { id: string } }>("/api/jobs/:id", async (request) => {
    const { id } = find(request.params.id);
    const outcome = await manager.cancelOrRemove(id);
    return { id, outcome, job: outcome === "cancelled" ? jobView(find(id)) : undefined };
  });

  scope.post("/api/jobs", async (request, reply) => {
    if (!request.isMultipart())
      throw new HttpError(415, "expected a multipart/form-data upload with a file field");
    const id = randomUUID();
    const dir = await store.reserve(id);
    try {
      const job = await accept(id, dir, request);
      return reply.code(201).send(jobView(await manager.submit(job)));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      if (err instanceof HttpError) metrics.rejectedUploads.inc({ status: String(err.status) });
      throw err;
    }
  });

  /** Receives and checks the upload; the job record it returns is not saved yet. */
  async function accept(id: string, dir: string, request: Parameters<typeof receiveUpload>[0]): Promise<Job> {
    const upload = await receiveUpload(request, join(dir, "upload"), uploadLimit);
    const { file } = upload;
    if (!file) throw new HttpError(400, "no file in the upload (send it as the form field 'file')");
    if (file.truncated)
      throw new HttpError(413, `the file is larger than the upload limit of ${megabytes(uploadLimit)}`);
    if (file.size === 0) throw new HttpError(400, `${file.name || "the file"} is empty`);
    const options = jobOptionsSchema.safeParse(upload.fields);
    if (!options.success) {
      const issue = options.error.issues[0];
      throw new HttpError(400, `invalid ${issue?.path.join(".") || "field"}: ${issue?.message}`);
    }
    const info = await probe(file.path).catch((err: unknown) => {
      throw err instanceof MediaError ? new HttpError(MEDIA_STATUS[err.kind], err.message) : err;
    });
    return {
      id,
      state: "queued",
      options: options.data,
      input: {
        name: file.name || "upload",
        file: `upload/${file.storedName}`,
        size: file.size,
        width: info.video.width,
        height: info.video.height,
        still: info.still,
      },
      progress: { frames: 0, totalFrames: info.video.frameCount, fps: 0, percent: 0 },
      attempts: 0,
      createdAt: new Date().toISOString(),
    };
  }
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;
}
