// A browser that dies mid-stream (SIGKILL, no goodbye on the socket) leaves no ffmpeg behind.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Browser, launchChromium } from "../helpers/chromium.js";
import { fakeCameraArgs, makeFakeCamera } from "../helpers/fake-camera.js";
import { openLivePreview } from "../helpers/live-preview.js";
import { childProcesses } from "../helpers/processes.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

const camera = join(tmpdir(), `sketchcast-live-vanish-${process.pid}.y4m`);
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  await makeFakeCamera(camera);
  server = await startServer();
  browser = await launchChromium(fakeCameraArgs(camera));
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => {}); // already killed
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
  await rm(camera, { force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const ffmpegsOf = async (pid: number) => (await childProcesses(pid)).filter((p) => p.name === "ffmpeg");

test("killing the browser mid-stream ends that pipeline's ffmpegs", async () => {
  await openLivePreview(browser.context, server.url);
  // The active decoder and encoder, each with a warm spare (started a moment later).
  let running = await ffmpegsOf(server.pid);
  for (let i = 0; i < 100 && running.length < 4; i++) {
    await new Promise((r) => setTimeout(r, 100));
    running = await ffmpegsOf(server.pid);
  }
  expect(running.length).toBe(4);

  const chromium = (await childProcesses(process.pid)).filter((p) => p.name.startsWith("chrom"));
  expect(chromium.length).toBeGreaterThan(0);
  for (const p of chromium) process.kill(p.pid, "SIGKILL");

  const deadline = Date.now() + 10_000;
  while (running.some((p) => alive(p.pid)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  expect(running.filter((p) => alive(p.pid)).map((p) => p.pid)).toEqual([]);
  expect(await ffmpegsOf(server.pid)).toEqual([]);
  expect((await fetch(`${server.url}/healthz`)).ok).toBe(true);
}, 120_000);
