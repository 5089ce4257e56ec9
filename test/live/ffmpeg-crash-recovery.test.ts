// A live ffmpeg that dies mid-stream (SIGKILL by pid) is replaced and frames reach the browser again
// within 1 s. Runs the passthrough pipeline so the bound measures ffmpeg recovery, not model speed.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Browser, launchChromium } from "../helpers/chromium.js";
import { fakeCameraArgs, makeFakeCamera } from "../helpers/fake-camera.js";
import { openLivePreview, pipelineStats, watchFrameGaps } from "../helpers/live-preview.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

const camera = join(tmpdir(), `sketchcast-live-crash-${process.pid}.y4m`);
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  await makeFakeCamera(camera);
  server = await startServer();
  browser = await launchChromium(fakeCameraArgs(camera));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
  await rm(camera, { force: true });
});

test.each(["decoder", "encoder"] as const)(
  "a killed %s is replaced and frames flow again within 1 s",
  async (role) => {
    const page = await openLivePreview(browser.context, server.url, "passthrough");
    await page.waitForTimeout(2000);
    const pidKey = role === "decoder" ? "decoderPid" : "encoderPid";
    const victim = (await pipelineStats(page))[pidKey];
    expect(victim).toBeTypeOf("number");

    const watch = await watchFrameGaps(page);
    await page.waitForTimeout(1000);
    process.kill(victim as number, "SIGKILL");
    await page.waitForTimeout(4000);
    const gap = await watch.stop();
    console.log(`${role} killed: longest gap between decoded frames ${Math.round(gap)} ms`);

    const after = await pipelineStats(page);
    expect(after[pidKey]).not.toBe(victim);
    expect(gap).toBeLessThan(1000);
    await page.close();
  },
  120_000,
);
