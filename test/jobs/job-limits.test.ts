// What one upload may ask of the server: pixel rate, duration and frame count (422, checked from the
// probe before the job is queued), the queue (503) and the jobs' disk use (507).
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnFfmpeg } from "../../server/ffmpeg/ffmpeg.js";
import { ADMIN_TOKEN, bearer, getJson, uploadFile } from "../helpers/jobs.js";
import { makeClip } from "../helpers/media.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

let dir: string;

/** A flat gray clip: cheap to make and tiny even at 8K. */
async function flatClip(path: string, size: string, fps: number, seconds: number): Promise<void> {
  await spawnFfmpeg([
    "-y",
    "-f",
    "lavfi",
    "-i",
    `color=c=gray:s=${size}:r=${fps}:d=${seconds}`,
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
    path,
  ]).wait();
}

/** Both servers run with the admin token, which lists and deletes every job. */
const admin = ["--admin-token", ADMIN_TOKEN];

async function removeAll(server: RunningServer): Promise<void> {
  const { body } = await getJson<{ jobs: { id: string }[] }>(`${server.url}/api/jobs`, bearer(ADMIN_TOKEN));
  for (const { id } of body.jobs)
    await fetch(`${server.url}/api/jobs/${id}`, bearer(ADMIN_TOKEN, { method: "DELETE" }));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sketchcast-limits-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("job limits with the defaults", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ args: admin });
  });
  afterAll(async () => {
    await server?.stop();
    await removeDataDir(server?.dataDir ?? "");
  });

  it("refuses a small 8K clip (422) and queues nothing", async () => {
    const path = join(dir, "8k.mp4");
    await flatClip(path, "7680x4320", 30, 1);
    const { status, body } = await uploadFile(server.url, path);
    expect({ status, body }).toEqual({
      status: 422,
      body: { error: "video is 7680x4320 at 30 fps (995.33 Mpx/s); the limit is 124.42 Mpx/s" },
    });
    expect(await readdir(join(server.dataDir, "jobs"))).toEqual([]);
  });

  it("takes 1080p60", async () => {
    const path = join(dir, "1080p60.mp4");
    await flatClip(path, "1920x1080", 60, 0.5);
    const { status, body } = await uploadFile(server.url, path);
    expect(status, JSON.stringify(body)).toBe(201);
    await removeAll(server);
  });
});

describe("job limits set lower", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      env: {
        SKETCHCAST_JOB_MAX_DURATION_S: "4",
        SKETCHCAST_JOB_MAX_FRAMES: "100",
        SKETCHCAST_JOB_MAX_QUEUED: "1",
        SKETCHCAST_JOB_DISK_LIMIT: "2MiB",
      },
      args: admin,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await removeDataDir(server?.dataDir ?? "");
  });

  it("refuses a clip over the duration or the frame limit (422)", async () => {
    const long = join(dir, "long.mp4");
    const many = join(dir, "many.mp4");
    await makeClip(long, { seconds: 5, width: 160, height: 90, fps: 10, audio: false });
    await makeClip(many, { seconds: 2, width: 160, height: 90, fps: 60, audio: false });
    expect(await uploadFile(server.url, long)).toEqual({
      status: 422,
      body: { error: "video is 5 s long; the limit is 4 s" },
    });
    expect(await uploadFile(server.url, many)).toEqual({
      status: 422,
      body: { error: "video has 120 frames; the limit is 100" },
    });
  });

  it("answers 503 when the queue is full", async () => {
    const clip = join(dir, "queue.mp4");
    await makeClip(clip, { seconds: 3, width: 640, height: 360, fps: 30, audio: false });
    // One conversion runs, one waits; the next has no place in the queue.
    expect((await uploadFile(server.url, clip)).status).toBe(201);
    expect((await uploadFile(server.url, clip)).status).toBe(201);
    expect(await uploadFile(server.url, clip)).toEqual({
      status: 503,
      body: { error: "the conversion queue is full (1 waiting); try again later" },
    });
    await removeAll(server);
  });

  it("answers 507 when an upload would take the jobs over their disk limit", async () => {
    const big = join(dir, "big.mp4");
    await writeFile(big, Buffer.alloc(3 * 2 ** 20, 7));
    const { status, body } = await uploadFile(server.url, big);
    expect(status).toBe(507);
    expect(body.error).toMatch(/^no room for the upload: jobs use [\d.]+ MiB of their 2 MiB disk limit/);
    expect((await fetch(`${server.url}/healthz`)).ok).toBe(true);
  });
});
