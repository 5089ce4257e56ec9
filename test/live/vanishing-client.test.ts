// A browser that dies mid-stream (SIGKILL, no goodbye on the socket) leaves no ffmpeg behind.
import { expect, test } from "vitest";
import { openLivePreview } from "../helpers/live-preview.js";
import { useLiveRig } from "../helpers/live-rig.js";
import { childProcesses } from "../helpers/processes.js";

const rig = useLiveRig("vanish");

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
  await openLivePreview(rig.browser.context, rig.server.url);
  // The active decoder and encoder, each with a warm spare (started a moment later).
  let running = await ffmpegsOf(rig.server.pid);
  for (let i = 0; i < 100 && running.length < 4; i++) {
    await new Promise((r) => setTimeout(r, 100));
    running = await ffmpegsOf(rig.server.pid);
  }
  expect(running.length).toBe(4);

  const chromium = (await childProcesses(process.pid)).filter((p) => p.name.startsWith("chrom"));
  expect(chromium.length).toBeGreaterThan(0);
  for (const p of chromium) process.kill(p.pid, "SIGKILL");

  const deadline = Date.now() + 10_000;
  while (running.some((p) => alive(p.pid)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  expect(running.filter((p) => alive(p.pid)).map((p) => p.pid)).toEqual([]);
  expect(await ffmpegsOf(rig.server.pid)).toEqual([]);
  expect((await fetch(`${rig.server.url}/healthz`)).ok).toBe(true);
}, 120_000);
