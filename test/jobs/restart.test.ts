// A SIGKILLed server loses nothing: an accepted upload is still on disk and its job runs again to
// the end after a restart on the same data directory; a finished result survives restarts too.
// A graceful stop leaves an unfinished job queued for the next start.
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, bearer, getJson, type JobView, uploadFile, watchJob } from "../helpers/jobs.js";
import { makeClip } from "../helpers/media.js";
import { type RunningServer, removeDataDir, startServer, tempDataDir } from "../helpers/server.js";

describe("jobs across a server crash", () => {
  let dataDir: string;
  let dir: string;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    dataDir = await tempDataDir();
    dir = await mkdtemp(join(tmpdir(), "sketchcast-restart-"));
  });

  afterAll(async () => {
    await server?.stop();
    await removeDataDir(dataDir);
    await rm(dir, { recursive: true, force: true });
  });

  // Four server starts and a conversion that runs twice: well past vitest's default limit.
  it("resumes an interrupted conversion and keeps the finished result", { timeout: 300_000 }, async () => {
    const clip = join(dir, "long.mp4");
    await makeClip(clip, { seconds: 4 });
    server = await startServer({ dataDir });
    const { status, body } = await uploadFile(server.url, clip);
    expect(status, JSON.stringify(body)).toBe(201);
    const id = body.id;
    const first = watchJob(server.url, id, body.key);
    await first.progressWhere((p) => p.frames > 0);
    await server.kill();
    first.close();

    // What the killed server left: the upload and a job.json that still says "running".
    const jobDir = join(dataDir, "jobs", id);
    await access(join(jobDir, "upload", "long.mp4"));
    const onDisk = JSON.parse(await readFile(join(jobDir, "job.json"), "utf8")) as { state: string };
    expect(onDisk.state).toBe("running");

    // Resumed from the start; a graceful stop (SIGTERM) mid-way puts it back in the queue on disk.
    server = await startServer({ dataDir });
    const second = watchJob(server.url, id, body.key);
    await second.progressWhere((p) => p.state === "running" && p.frames > 0);
    await server.stop();
    second.close();
    const stopped = JSON.parse(await readFile(join(jobDir, "job.json"), "utf8")) as { state: string };
    expect(stopped.state).toBe("queued");

    server = await startServer({ dataDir });
    const third = watchJob(server.url, id, body.key);
    const { event, job } = await third.ended;
    third.close();
    expect(event, job.error).toBe("done");
    expect(job.result?.frames).toBe(120);

    // The finished result outlives another crash.
    await server.kill();
    server = await startServer({ dataDir });
    const after = await getJson<JobView>(`${server.url}/api/jobs/${id}`, bearer(body.key));
    expect(after.body).toMatchObject({ state: "done", result: { frames: 120 } });
    const res = await fetch(`${server.url}/api/jobs/${id}/result`, bearer(body.key));
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(after.body.result?.size);
  });

  it("on start, ends jobs it cannot resume with a reason and drops half-received uploads", async () => {
    const dir = await tempDataDir();
    const job = (id: string, state: string, attempts: number) => ({
      id,
      state,
      options: { style: "pencil", detail: 0.5, temporal: true, format: "mp4" },
      input: { name: "a.mp4", file: "upload/a.mp4", size: 10, width: 64, height: 64, still: false },
      progress: { frames: 0, fps: 0, percent: 0 },
      attempts,
      createdAt: new Date().toISOString(),
    });
    const put = async (id: string, record?: object, upload = true) => {
      await mkdir(join(dir, "jobs", id, "upload"), { recursive: true });
      if (upload) await writeFile(join(dir, "jobs", id, "upload", "a.mp4"), "not even a video");
      if (record) await writeFile(join(dir, "jobs", id, "job.json"), JSON.stringify(record));
    };
    const crashy = "00000000-0000-4000-8000-000000000001";
    const lost = "00000000-0000-4000-8000-000000000002";
    const halfUploaded = "00000000-0000-4000-8000-000000000003";
    await put(crashy, job(crashy, "running", 3));
    // The third crash's half-written result.
    await writeFile(join(dir, "jobs", crashy, "result-partial-3.mp4"), "half a video");
    await put(lost, job(lost, "queued", 0), false);
    await put(halfUploaded);

    // Jobs written before owners (no ownerHash) are the admin's alone.
    const restarted = await startServer({ dataDir: dir, args: ["--admin-token", ADMIN_TOKEN] });
    try {
      const a = await getJson<JobView>(`${restarted.url}/api/jobs/${crashy}`, bearer(ADMIN_TOKEN));
      expect(a.body).toMatchObject({
        state: "failed",
        error: "conversion was interrupted 3 times; giving up",
      });
      await expect(access(join(dir, "jobs", crashy, "result-partial-3.mp4"))).rejects.toThrow();
      const b = await getJson<JobView>(`${restarted.url}/api/jobs/${lost}`, bearer(ADMIN_TOKEN));
      expect(b.body).toMatchObject({
        state: "failed",
        error: "the upload was lost while the server was down",
      });
      expect((await getJson(`${restarted.url}/api/jobs/${halfUploaded}`, bearer(ADMIN_TOKEN))).status).toBe(
        404,
      );
      await expect(access(join(dir, "jobs", halfUploaded))).rejects.toThrow();
    } finally {
      await restarted.stop();
      await removeDataDir(dir);
    }
  });
});
