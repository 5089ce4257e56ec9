// Bad uploads are refused with a 4xx and a readable JSON reason, leave nothing on disk, and the
// server keeps serving. The server runs with a 1 MiB upload limit here.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJson, uploadFile } from "../helpers/jobs.js";
import { makeClip, truncateCopy, writeHugeY4m } from "../helpers/media.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

describe("bad uploads", () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sketchcast-bad-"));
    server = await startServer({ env: { SKETCHCAST_UPLOAD_LIMIT: "1MiB" } });
  });

  afterAll(async () => {
    await server?.stop();
    await removeDataDir(server?.dataDir ?? "");
    await rm(dir, { recursive: true, force: true });
  });

  async function refused(path: string, fields: Record<string, string> = {}) {
    const { status, body } = await uploadFile(server.url, path, fields);
    expect(Object.keys(body)).toEqual(["error"]);
    return { status, error: body.error };
  }

  it("refuses a text file named .mp4 as not a video (415)", async () => {
    const path = join(dir, "notes.mp4");
    await writeFile(path, "these are my notes, not a video\n".repeat(50));
    expect(await refused(path)).toEqual({ status: 415, error: "not a video or image file: notes.mp4" });
  });

  it("refuses an empty file (400)", async () => {
    const path = join(dir, "empty.mp4");
    await writeFile(path, "");
    expect(await refused(path)).toEqual({ status: 400, error: "empty.mp4 is empty" });
  });

  it("refuses a truncated mp4 (422)", async () => {
    const whole = join(dir, "whole.mp4");
    const cut = join(dir, "cut.mp4");
    await makeClip(whole, { seconds: 2 });
    await truncateCopy(whole, cut, 0.5);
    const { status, error } = await refused(cut);
    expect(status).toBe(422);
    expect(error).toMatch(/^truncated or corrupt input: cut\.mp4/);
  });

  it("refuses absurd frame dimensions (422)", async () => {
    const path = join(dir, "huge.y4m");
    await writeHugeY4m(path, 20_000, 20_000);
    const { status, error } = await refused(path);
    expect(status).toBe(422);
    expect(error).toMatch(/20000x20000.*maximum/);
  });

  it("refuses a file over the upload limit (413)", async () => {
    const path = join(dir, "big.mp4");
    await writeFile(path, Buffer.alloc(3 * 2 ** 20, 7));
    expect(await refused(path)).toEqual({
      status: 413,
      error: "the file is larger than the upload limit of 1 MiB",
    });
  });

  it("refuses bad options, a missing file and a non-multipart body (400/415)", async () => {
    const clip = join(dir, "small.mp4");
    await makeClip(clip, { seconds: 1, width: 160, height: 90 });
    const style = await refused(clip, { style: "crayon" });
    expect(style.status).toBe(400);
    expect(style.error).toMatch(/^invalid style/);
    expect((await refused(clip, { detail: "2" })).status).toBe(400);
    expect((await refused(clip, { format: "gif" })).status).toBe(400);

    const noFile = await getJson(`${server.url}/api/jobs`, { method: "POST", body: new FormData() });
    expect(noFile).toEqual({
      status: 400,
      body: { error: "no file in the upload (send it as the form field 'file')" },
    });
    const json = await getJson(`${server.url}/api/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
    expect(Object.keys(json.body as object)).toEqual(["error"]);
  });

  it("answers unknown or malformed job ids with 404 JSON", async () => {
    for (const [method, path] of [
      ["GET", "/api/jobs/3f2b8a8e-0000-4000-8000-000000000000"],
      ["GET", "/api/jobs/..%2F..%2Fetc/result"],
      ["DELETE", "/api/jobs/nope"],
    ] as const) {
      const res = await getJson<{ error: string }>(`${server.url}${path}`, { method });
      expect(res.status).toBe(404);
      expect(res.body.error).toMatch(/^no job /);
    }
  });

  it("is still healthy and kept no rejected upload", async () => {
    expect((await fetch(`${server.url}/healthz`)).ok).toBe(true);
    expect(await readdir(join(server.dataDir, "jobs"))).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/sketchcast_job_uploads_rejected_total\{status="415"\} [1-9]/);
  });
});
