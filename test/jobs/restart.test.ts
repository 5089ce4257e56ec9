// A SIGKILLed server loses nothing: an accepted upload is still on disk and its job runs again to
// the end after a restart on the same data directory; a finished result survives restarts too.
import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJson, type JobView, uploadFile, watchJob } from "../helpers/jobs.js";
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

  it("resumes an interrupted conversion and keeps the finished result", async () => {
    const clip = join(dir, "long.mp4");
    await makeClip(clip, { seconds: 6 });
    server = await startServer({ dataDir });
    const { status, body } = await uploadFile(server.url, clip);
    expect(status, JSON.stringify(body)).toBe(201);
    const id = body.id;
    const first = watchJob(server.url, id);
    await first.progressWhere((p) => p.frames > 0);
    await server.kill();
    first.close();

    // What the killed server left: the upload and a job.json that still says "running".
    const jobDir = join(dataDir, "jobs", id);
    await access(join(jobDir, "upload", "long.mp4"));
    const onDisk = JSON.parse(await readFile(join(jobDir, "job.json"), "utf8")) as { state: string };
    expect(onDisk.state).toBe("running");

    server = await startServer({ dataDir });
    const second = watchJob(server.url, id);
    const { event, job } = await second.ended;
    second.close();
    expect(event, job.error).toBe("done");
    expect(job.result?.frames).toBe(180);

    // The finished result outlives another crash.
    await server.kill();
    server = await startServer({ dataDir });
    const after = await getJson<JobView>(`${server.url}/api/jobs/${id}`);
    expect(after.body).toMatchObject({ state: "done", result: { frames: 180 } });
    const res = await fetch(`${server.url}/api/jobs/${id}/result`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(after.body.result?.size);
  });
});
