// The preview's camera picker with Chromium's generated fake cameras: an ordinary second camera is
// switched to in place, and the depth camera (whose frames WebRTC cannot encode) is refused — the page
// goes back to the camera before and says why, and the sketch keeps coming.
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Browser, launchChromium } from "../helpers/chromium.js";
import { buildClient } from "../helpers/client-build.js";
import { countFrames, openLivePreview } from "../helpers/live-preview.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  await buildClient();
  server = await startServer();
  // No file: a file replaces every fake device with one. The second is the 16-bit depth camera.
  browser = await launchChromium([
    "--use-fake-device-for-media-stream=device-count=3",
    "--use-fake-ui-for-media-stream",
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await removeDataDir(server?.dataDir ?? "");
});

test("the picker switches cameras in place and refuses one WebRTC cannot encode", async () => {
  const page = await openLivePreview(browser.context, server.url);
  const options = await page.evaluate(() =>
    [...(document.getElementById("device") as HTMLSelectElement).options].map((o) => ({
      id: o.value,
      label: o.text,
    })),
  );
  const id = (label: string) => options.find((o) => o.label === label)?.id as string;
  const selected = () => page.evaluate(() => (document.getElementById("device") as HTMLSelectElement).value);
  const message = () => page.evaluate(() => document.getElementById("message")?.textContent ?? "");

  await page.selectOption("#device", id("fake_device_2"));
  await page.waitForTimeout(2500);
  expect(await message()).toBe("");
  expect((await countFrames(page, 2000)).received).toBeGreaterThan(20);

  await page.selectOption("#device", id("fake_device_1"));
  await expect.poll(message, { timeout: 15_000 }).toMatch(/no picture the browser can send/);
  expect(await selected()).toBe(id("fake_device_2"));
  expect(
    (await countFrames(page, 2000)).received,
    "the sketch stopped after the depth camera",
  ).toBeGreaterThan(20);
  await page.close();
}, 120_000);
