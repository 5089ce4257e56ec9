import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/schema.js";
import { MediaError } from "../ffmpeg/media-error.js";
import { probe } from "../ffmpeg/probe.js";
import { type JobAccess, keyHash, listedKeys, newJobKey, proofOf } from "./access.js";
import { diskFull, roomForUpload } from "./capacity.js";
import { HttpError } from "./http-error.js";
import { idSchema, type Job, jobView, RESULT_TYPES, resultFormat } from "./job.js";
import { parseJobFields } from "./job-fields.js";
import { jobLimitProblem } from "./job-limits.js";
import type { JobManager } from "./manager.js";
import type { JobMetrics } from "./metrics.js";
import { sendFile } from "./send-file.js";
import { receiveUpload } from "./upload.js";

const MEDIA_STATUS = {
  "not-media": 415,
  corrupt: 422,
  "too-large": 422,
  "unsupported-output": 422,
  timeout: 422,
} as const;

/** The HTTP API of conversion jobs (see README "Converting files"). */
export function jobRoutes(
  scope: FastifyInstance,
  manager: JobManager,
  metrics: JobMetrics,
  config: Pick<Config, "uploadLimit" | "job">,
  access: JobAccess,
) {
  const { store } = manager;
  const { uploadLimit, job: limits } = config;

  // Without the job's key or the admin token a job answers as if it did not exist: a 403 would
  // confirm the id.
  const find = (rawId: string, proof: string | undefined): Job => {
    const job = idSchema.safeParse(rawId).success ? store.get(rawId) : undefined;
    if (!job || !access.allows(job, proof)) throw new HttpError(404, `no job ${rawId}`);
    return job;
  };
  const view = (job: Job, proof: string | undefined) => jobView(job, access.resultKey(job, proof));

  scope.get("/api/jobs", async (request) => {
    const proof = proofOf(request, access);
    if (access.isAdmin(proof)) return { jobs: store.list().map((job) => jobView(job)) };
    const keys = listedKeys(request, proof);
    const byHash = new Map(keys.map((k) => [keyHash(k), k]));
    const jobs = store.list().filter((job) => job.ownerHash && byHash.has(job.ownerHash));
    return { jobs: jobs.map((job) => jobView(job, byHash.get(job.ownerHash ?? ""))) };
  });

  scope.get<{ Params: { id: string } }>("/api/jobs/:id", async (request) => {
    const proof = proofOf(request, access);
    return view(find(request.params.id, proof), proof);
  });

  scope.get<{ Params: { id: string } }>("/api/jobs/:id/result", async (request, reply) => {
    const job = find(request.params.id, proofOf(request, access));
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
    const proof = proofOf(request, access);
    const { id } = find(request.params.id, proof);
    const outcome = await manager.cancelOrRemove(id);
    return { id, outcome, job: outcome === "cancelled" ? view(find(id, proof), proof) : undefined };
  });

  scope.post("/api/jobs", async (request, reply) => {
    if (!request.isMultipart())
      throw new HttpError(415, "expected a multipart/form-data upload with a file field");
    const id = randomUUID();
    let dir: string | undefined;
    // A client that goes away mid-probe takes its ffprobe with it.
    const gone = new AbortController();
    const leave = () => gone.abort(new HttpError(400, "the client went away"));
    request.raw.once("close", () => request.raw.complete || leave());
    reply.raw.once("close", () => reply.raw.writableFinished || leave());
    if (request.raw.destroyed) leave();
    try {
      const room = await roomForUpload(store, limits);
      dir = await store.reserve(id);
      const key = newJobKey();
      const job = await accept(id, dir, request, room, gone.signal);
      const submitted = await manager.submit({ ...job, ownerHash: keyHash(key) });
      // The only time the key is told: the server keeps its hash alone.
      return reply.code(201).send({ ...jobView(submitted, key), key });
    } catch (err) {
      if (dir) await rm(dir, { recursive: true, force: true });
      if (err instanceof HttpError) metrics.rejectedUploads.inc({ status: String(err.status) });
      throw err;
    }
  });

  /** Receives and checks the upload; the job record it returns is not saved yet. */
  async function accept(
    id: string,
    dir: string,
    request: Parameters<typeof receiveUpload>[0],
    room: number,
    signal: AbortSignal,
  ): Promise<Job> {
    const upload = await receiveUpload(request, join(dir, "upload"), Math.min(uploadLimit, room), signal);
    const { file } = upload;
    if (!file) throw new HttpError(400, "no file in the upload (send it as the form field 'file')");
    if (file.truncated && room < uploadLimit)
      throw new HttpError(507, diskFull(limits.diskLimit - room + file.size, limits.diskLimit));
    if (file.truncated)
      throw new HttpError(413, `the file is larger than the upload limit of ${megabytes(uploadLimit)}`);
    if (file.size === 0) throw new HttpError(400, `${file.name || "the file"} is empty`);
    const options = parseJobFields(upload.fields);
    const info = await probe(file.path, { signal, timeoutMs: limits.probeTimeoutS * 1000 }).catch(
      (err: unknown) => {
        throw err instanceof MediaError ? new HttpError(MEDIA_STATUS[err.kind], err.message) : err;
      },
    );
    const problem = jobLimitProblem(info, limits);
    if (problem) throw new HttpError(422, problem);
    return {
      id,
      state: "queued",
      options,
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
