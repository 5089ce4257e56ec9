// Jobs have an owner: the key POST /api/jobs answers with opens that job (status, result, delete,
// progress) and nothing else; without it a job answers 404 as if it did not exist. The admin token
// sees and manages every job, also those stored before jobs had owners, which nobody else opens.
import { copyFile, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, bearer, getJson, type JobView, uploadFile, watchJob } from "../helpers/jobs.js";
import { makeStill } from "../helpers/media.js";
import { type RunningServer, removeDataDir, startServer, tempDataDir } from "../helpers/server.js";

const oldId = "00000000-0000-4000-8000-0000000000aa";
const wrongKey = "x".repeat(43);

describe("job owners", () => {
  let server: RunningServer;
  let mine: JobView;
  let theirs: JobView;
  let still: string;

  /** Uploads the picture and waits until its sketch is done. */
  async function convert(): Promise<JobView> {
    const { status, body } = await uploadFile(server.url, still);
    expect(status, JSON.stringify(body)).toBe(201);
    const watch = watchJob(server.url, body.id, body.key);
    const { job } = await watch.ended;
    watch.close();
    expect(job.state, job.error).toBe("done");
    return { ...job, key: body.key };
  }

  /** What a subscribe with this key acks. */
  async function subscribe(id: string, key?: string): Promise<{ ok?: boolean; error?: string }> {
    const watch = watchJob(server.url, id, key);
    const ack = await watch.subscribed;
    watch.close();
    return ack;
  }

  const url = (id: string, rest = "") => `${server.url}/api/jobs/${id}${rest}`;
  const listed = async (init?: RequestInit) =>
    (await getJson<{ jobs: JobView[] }>(`${server.url}/api/jobs`, init)).body.jobs.map((j) => j.id);

  beforeAll(async () => {
    // A finished job as a server before owners stored it: job.json without ownerHash.
    const dataDir = await tempDataDir();
    still = join(dataDir, "still.png");
    await makeStill(still, 64, 48);
    const oldDir = join(dataDir, "jobs", oldId);
    await mkdir(join(oldDir, "upload"), { recursive: true });
    await copyFile(still, join(oldDir, "upload", "old.png"));
    await copyFile(still, join(oldDir, "result.png"));
    const size = (await stat(still)).size;
    await writeFile(
      join(oldDir, "job.json"),
      JSON.stringify({
        id: oldId,
        state: "done",
        options: { style: "pencil", detail: 0.5, temporal: true, format: "mp4" },
        input: { name: "old.png", file: "upload/old.png", size, width: 64, height: 48, still: true },
        progress: { frames: 1, totalFrames: 1, fps: 0, percent: 100 },
        result: { file: "result.png", size, frames: 1, durationSeconds: 0 },
        attempts: 1,
        createdAt: new Date(0).toISOString(),
      }),
    );
    server = await startServer({ dataDir, args: ["--admin-token", ADMIN_TOKEN] });
    mine = await convert();
    theirs = await convert();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (server) await removeDataDir(server.dataDir);
  });

  it("answers a foreign job 404 without its key: status, result, delete and subscribe", async () => {
    for (const key of [undefined, theirs.key, wrongKey, ADMIN_TOKEN.slice(0, -1)]) {
      const what = `key ${key === theirs.key ? "of another job" : key}`;
      expect((await getJson(url(mine.id), bearer(key))).status, what).toBe(404);
      expect((await getJson(url(mine.id, "/result"), bearer(key))).status, what).toBe(404);
      expect((await getJson(url(mine.id, `/result?key=${key}`))).status, what).toBe(404);
      expect((await getJson(url(mine.id), bearer(key, { method: "DELETE" }))).status, what).toBe(404);
      expect(await subscribe(mine.id, key), what).toEqual({ error: `no job ${mine.id}` });
    }
    // Same answer as for an id nobody has: the 404 does not confirm the job exists.
    const unknown = await getJson(url("3f2b8a8e-0000-4000-8000-000000000000"), bearer(theirs.key));
    expect(unknown.body).toEqual({ error: "no job 3f2b8a8e-0000-4000-8000-000000000000" });
    expect((await getJson(url(mine.id), bearer(theirs.key))).body).toEqual({ error: `no job ${mine.id}` });
    // Another client's list has only its own job; no key lists nothing.
    expect(await listed(bearer(theirs.key))).toEqual([theirs.id]);
    expect(await listed()).toEqual([]);
    expect(await listed({ headers: { "x-job-keys": wrongKey } })).toEqual([]);
    // It survives all that: the owner's job is still there.
    expect((await getJson<JobView>(url(mine.id), bearer(mine.key))).body.state).toBe("done");
  });

  it("lets the key holder see, download, follow and delete the job", async () => {
    const own = await getJson<JobView>(url(mine.id), bearer(mine.key));
    expect(own.body).toMatchObject({ id: mine.id, state: "done" });
    // The result URL carries the key, so it works as a <video src> or a link, without headers.
    expect(own.body.result?.url).toBe(`/api/jobs/${mine.id}/result?key=${mine.key}`);
    const result = await fetch(`${server.url}${own.body.result?.url}`);
    expect(result.status).toBe(200);
    expect(result.headers.get("content-type")).toBe("image/png");
    expect((await getJson(`${url(mine.id)}?key=${mine.key}`)).status).toBe(200);
    expect(await subscribe(mine.id, mine.key)).toMatchObject({ ok: true, job: { id: mine.id } });
    expect(await listed({ headers: { "x-job-keys": `${mine.key}, ${theirs.key}` } })).toEqual([
      mine.id,
      theirs.id,
    ]);
    const keys = Array.from({ length: 201 }, () => wrongKey).join(",");
    expect(await getJson(`${server.url}/api/jobs`, { headers: { "x-job-keys": keys } })).toEqual({
      status: 400,
      body: { error: "at most 200 job keys per list request" },
    });
    const del = await getJson(url(mine.id), bearer(mine.key, { method: "DELETE" }));
    expect(del).toMatchObject({ status: 200, body: { outcome: "removed" } });
    expect((await getJson(url(mine.id), bearer(mine.key))).status).toBe(404);
  });

  it("keeps a job stored before owners for the admin alone; the admin token sees and deletes all", async () => {
    expect((await getJson(url(oldId))).status).toBe(404);
    expect((await getJson(url(oldId), bearer(theirs.key))).status).toBe(404);
    expect(await subscribe(oldId, theirs.key)).toEqual({ error: `no job ${oldId}` });
    expect(await listed(bearer(theirs.key))).toEqual([theirs.id]);

    expect(await listed(bearer(ADMIN_TOKEN))).toEqual([oldId, theirs.id]);
    const old = await getJson<JobView>(url(oldId), bearer(ADMIN_TOKEN));
    expect(old.body).toMatchObject({ id: oldId, state: "done" });
    // The admin token never goes into a URL: result links in its views carry no key, and as
    // `?key=` it opens nothing.
    expect(old.body.result?.url).toBe(`/api/jobs/${oldId}/result`);
    expect((await fetch(url(oldId, "/result"), bearer(ADMIN_TOKEN))).status).toBe(200);
    expect((await getJson(url(oldId, `/result?key=${ADMIN_TOKEN}`))).status).toBe(404);
    expect(await subscribe(theirs.id, ADMIN_TOKEN)).toMatchObject({ ok: true });

    for (const id of [oldId, theirs.id]) {
      const del = await getJson(url(id), bearer(ADMIN_TOKEN, { method: "DELETE" }));
      expect(del).toMatchObject({ status: 200, body: { outcome: "removed" } });
    }
    expect(await listed(bearer(ADMIN_TOKEN))).toEqual([]);
  });
});
