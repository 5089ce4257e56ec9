// The acceptance path over HTTP: upload a clip, follow progress over socket.io, download
// the result and check it with ffprobe. The clip is 3 s (not 10 s) to keep the suite short on a
// 2-core machine; every frame still goes through the real engine.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe } from "../../server/ffmpeg/probe.js";
import { probeStreams, videoFrames } from "../helpers/ffprobe.js";
import { bearer, getJson, type JobView, uploadFile, watchJob } from "../helpers/jobs.js";
import { makeClip, makeStill } from "../helpers/media.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

describe("conversion over HTTP", () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sketchcast-accept-"));
    server = await startServer();
  });

  afterAll(async () => {
    await server?.stop();
    await removeDataDir(server?.dataDir ?? "");
    await rm(dir, { recursive: true, force: true });
  });

  // The limit only guards against a hang; how fast this runs is for the benchmarks.
  it("uploads, reports progress, and returns a sketch with the same frames, duration and audio", {
    timeout: 180_000,
  }, async () => {
    const clip = join(dir, "clip.mp4");
    await makeClip(clip, { seconds: 3, width: 640, height: 360, fps: 30 });

    const { status, body } = await uploadFile(server.url, clip, {
      style: "ink",
      detail: "0.7",
      temporal: "true",
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.state).toMatch(/queued|running/);
    const watch = watchJob(server.url, body.id, body.key);
    expect((await watch.subscribed).ok).toBe(true);
    const { event, job } = await watch.ended;
    watch.close();
    expect(event, job.error).toBe("done");

    const midway = watch.progress.filter((p) => p.frames > 0 && p.totalFrames && p.frames < p.totalFrames);
    expect(midway.length).toBeGreaterThan(0);
    expect(midway[0]).toMatchObject({ id: body.id, state: "running", totalFrames: 90 });
    expect(midway[0]?.percent).toBeGreaterThan(0);
    expect(midway[0]?.percent).toBeLessThan(100);

    const status2 = await getJson<JobView>(`${server.url}/api/jobs/${body.id}`, bearer(body.key));
    expect(status2.body).toMatchObject({ state: "done", progress: { percent: 100 }, result: { frames: 90 } });
    const list = await getJson<{ jobs: JobView[] }>(`${server.url}/api/jobs`, {
      headers: { "x-job-keys": body.key ?? "" },
    });
    expect(list.body.jobs.map((j) => j.id)).toContain(body.id);

    const res = await fetch(`${server.url}${job.result?.url}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("content-disposition")).toContain('filename="clip-sketch.mp4"');
    const out = join(dir, "downloaded.mp4");
    await writeFile(out, Buffer.from(await res.arrayBuffer()));

    // Frames counted by decoding both files, not taken from the containers' headers.
    const [before, after] = await Promise.all([probeStreams(clip), probeStreams(out)]);
    expect(videoFrames(after)).toBe(90);
    expect(videoFrames(after)).toBe(videoFrames(before));
    expect(after.duration).toBeCloseTo(before.duration, 1);
    expect(after.streams.find((s) => s.codec_type === "video")).toMatchObject({ width: 640, height: 360 });
    expect(after.streams.some((s) => s.codec_type === "audio")).toBe(true);

    // A second part of the file, as a <video> seeking in it asks for.
    const part = await fetch(`${server.url}${job.result?.url}`, { headers: { range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(100);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/sketchcast_jobs\{state="done"\} 1\n/);
    expect(metrics).toMatch(/sketchcast_job_conversion_seconds_count 1/);
  });

  it("turns a picture into a PNG sketch", async () => {
    const photo = join(dir, "photo.png");
    await makeStill(photo, 320, 180);
    const { status, body } = await uploadFile(server.url, photo, { format: "webm" });
    expect(status, JSON.stringify(body)).toBe(201);
    const watch = watchJob(server.url, body.id, body.key);
    const { event, job } = await watch.ended;
    watch.close();
    expect(event, job.error).toBe("done");
    expect(job.result).toMatchObject({ contentType: "image/png", frames: 1 });
    const res = await fetch(`${server.url}${job.result?.url}`);
    expect(res.headers.get("content-disposition")).toContain('filename="photo-sketch.png"');
    const out = join(dir, "photo-sketch.png");
    await writeFile(out, Buffer.from(await res.arrayBuffer()));
    expect(await probe(out)).toMatchObject({ still: true, video: { codec: "png", width: 320, height: 180 } });
  });

  it("answers a bad subscribe with an error ack and keeps serving", async () => {
    const watch = watchJob(server.url, "not-a-job");
    expect(await watch.subscribed).toEqual({ error: "no job not-a-job" });
    const bad = (await watch.socket.emitWithAck("subscribe", 42)) as { error?: string };
    expect(bad.error).toBe(`subscribe expects { id: "<job id>", key: "<job key>" }`);
    // No ack function at all must not crash the server either.
    watch.socket.emit("subscribe", null);
    watch.close();
    expect((await fetch(`${server.url}/healthz`)).ok).toBe(true);
  });
});
