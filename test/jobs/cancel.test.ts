// DELETE cancels: a running job's conversion stops and its process (a child of the server under
// SCHED_IDLE) and that process's ffmpegs are gone by the time the answer comes; a queued job never
// starts; a finished job's files are deleted.
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, getJson, type JobView, uploadFile, watchJob } from "../helpers/jobs.js";
import { makeClip } from "../helpers/media.js";
import { descendants, schedIdle, schedulingPolicy } from "../helpers/processes.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

/** The server's conversion processes (Node) and their ffmpegs. */
const jobProcesses = async (pid: number) =>
  (await descendants(pid)).filter((p) => p.name === "ffmpeg" || p.name === "node");

describe("cancelling jobs", () => {
  let server: RunningServer;
  let dir: string;
  let clip: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sketchcast-cancel-"));
    clip = join(dir, "clip.mp4");
    await makeClip(clip, { seconds: 10 });
    server = await startServer();
  });

  afterAll(async () => {
    await server?.stop();
    await removeDataDir(server?.dataDir ?? "");
    await rm(dir, { recursive: true, force: true });
  });

  it("stops a running job and leaves no ffmpeg behind; a queued job is dropped", async () => {
    const running = (await uploadFile(server.url, clip)).body;
    // Concurrency is 1 (the default), so this one waits behind the first.
    const queued = (await uploadFile(server.url, clip)).body;
    const watch = watchJob(server.url, running.id, running.key);
    await watch.progressWhere((p) => p.frames > 0);

    const before = await jobProcesses(server.pid);
    expect(before.map((p) => p.name).sort()).toEqual(["ffmpeg", "ffmpeg", "node"]);
    // The conversion process and its ffmpegs only get the CPU time live streams leave.
    for (const p of before) expect([schedIdle, undefined]).toContain(await schedulingPolicy(p.pid));
    expect((await getJson(`${server.url}/api/jobs/${running.id}/result`, bearer(running.key))).status).toBe(
      409,
    );
    expect(
      (await getJson<JobView>(`${server.url}/api/jobs/${queued.id}`, bearer(queued.key))).body.state,
    ).toBe("queued");

    const del = await getJson<{ outcome: string }>(
      `${server.url}/api/jobs/${running.id}`,
      bearer(running.key, { method: "DELETE" }),
    );
    expect(del).toMatchObject({ status: 200, body: { outcome: "cancelled" } });
    const after = await jobProcesses(server.pid);
    expect(after.filter((p) => before.some((b) => b.pid === p.pid))).toEqual([]);
    const { event, job } = await watch.ended;
    watch.close();
    expect(event).toBe("failed");
    expect(job.state).toBe("cancelled");
    await expect(access(join(server.dataDir, "jobs", running.id, "job.json"))).resolves.toBeUndefined();
    await expect(access(join(server.dataDir, "jobs", running.id, "upload"))).rejects.toThrow();

    // The queued job started once the first was cancelled; cancel it too, then nothing may run.
    const del2 = await getJson<{ outcome: string }>(
      `${server.url}/api/jobs/${queued.id}`,
      bearer(queued.key, { method: "DELETE" }),
    );
    expect(del2.body.outcome).toBe("cancelled");
    expect(await jobProcesses(server.pid)).toEqual([]);
    expect(
      (await getJson<JobView>(`${server.url}/api/jobs/${queued.id}`, bearer(queued.key))).body.state,
    ).toBe("cancelled");

    // DELETE on an ended job removes it with its files.
    const gone = await getJson<{ outcome: string }>(
      `${server.url}/api/jobs/${running.id}`,
      bearer(running.key, { method: "DELETE" }),
    );
    expect(gone.body.outcome).toBe("removed");
    expect((await getJson(`${server.url}/api/jobs/${running.id}`, bearer(running.key))).status).toBe(404);
    await expect(access(join(server.dataDir, "jobs", running.id))).rejects.toThrow();
  });

  it("drops a queued job before it starts", async () => {
    const first = (await uploadFile(server.url, clip)).body;
    const second = (await uploadFile(server.url, clip)).body;
    const del = await getJson<{ outcome: string; job: JobView }>(
      `${server.url}/api/jobs/${second.id}`,
      bearer(second.key, { method: "DELETE" }),
    );
    expect(del.body).toMatchObject({ outcome: "cancelled", job: { state: "cancelled" } });
    await getJson(`${server.url}/api/jobs/${first.id}`, bearer(first.key, { method: "DELETE" }));
    expect(await jobProcesses(server.pid)).toEqual([]);
  });
});
