// The live loop end to end: Chromium's fake camera (a colourful test pattern) → preview page →
// mediasoup → ffmpeg → sketch engine → ffmpeg VP8 → back into the page.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { framesDecoded, openLivePreview, sketchFrameStats } from "../helpers/live-preview.js";
import { useLiveRig } from "../helpers/live-rig.js";

const rig = useLiveRig("e2e");

test("the returned video is a sketch of the camera and arrives at >= 25 fps at 640x360@30", async () => {
  const page = await openLivePreview(rig.browser.context, rig.server.url);
  await page.screenshot({ path: join(tmpdir(), "sketchcast-live-preview.png") });

  // A passthrough would return the pattern's bars in mid greys (mean ~130, a sixth above 200);
  // a drawing is mostly paper with darker strokes, and gray.
  const s = await sketchFrameStats(page);
  expect(s.chroma, "the sketch is gray").toBeLessThan(8);
  expect(s.mean, "mostly paper").toBeGreaterThan(170);
  expect(s.paper, "share of near-white pixels").toBeGreaterThan(0.4);
  expect(s.strokes, "share of dark stroke pixels").toBeGreaterThan(0.002);

  // Live controls: acknowledged with the controls in force, frames keep coming; bad values refused.
  const applied = await page.evaluate("window.sketchcastLive.setControls({ style: 'ink', detail: 0.8 })");
  expect(applied).toEqual({ controls: { style: "ink", detail: 0.8, temporal: true } });
  const refused = await page.evaluate(
    "window.sketchcastLive.setControls({ style: 'crayon' }).then(() => 'accepted', (e) => e.message)",
  );
  expect(refused).toMatch(/^invalid setControls: controls\.style/);

  // Frames decoded over a 10 s window, after the first seconds of ramp-up.
  await page.waitForTimeout(3000);
  const before = await framesDecoded(page);
  const t0 = Date.now();
  await page.waitForTimeout(10_000);
  const fps = ((await framesDecoded(page)) - before) / ((Date.now() - t0) / 1000);
  console.log(`live sketch: ${fps.toFixed(1)} fps received at 640x360`);
  expect(fps).toBeGreaterThanOrEqual(25);
}, 120_000);
