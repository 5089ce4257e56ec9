// The live loop end to end: Chromium's fake camera (a colourful test pattern) → preview page →
// mediasoup → ffmpeg → sketch engine → ffmpeg VP8 → back into the page.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { countFrames, openLivePreview, sketchFrameStats } from "../helpers/live-preview.js";
import { useLiveRig } from "../helpers/live-rig.js";

const rig = useLiveRig("e2e");

test("the returned video is a sketch of the camera, and every frame the server draws arrives", async () => {
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

  // Over a 10 s window after the first seconds of ramp-up: the server keeps drawing and the page
  // decodes what it draws. The frame rate is printed, not asserted: on a shared 2-core box that also
  // runs Chromium it ranged 17-30 fps with the same code (the bar of >= 27 fps is held by
  // `npm run bench -- live`); the server drops stale frames rather than queue them, so a slow box
  // gives fewer frames, never later ones. A stalled engine or a lost output stream fails here.
  await page.waitForTimeout(3000);
  const n = await countFrames(page, 10_000);
  const rate = (frames: number) => (frames / n.seconds).toFixed(1);
  console.log(
    `live sketch at 640x360: ${rate(n.received)} fps received, ${rate(n.framesOut)} drawn, ` +
      `${rate(n.framesIn)} decoded by the server`,
  );
  expect(n.framesOut, "frames drawn by the server in 10 s").toBeGreaterThanOrEqual(20);
  expect(n.received, "sketch frames decoded by the page, of those drawn").toBeGreaterThanOrEqual(
    0.8 * n.framesOut,
  );

  // Colored pencil: the same stream turns to coloured strokes on white paper (a colour encoder
  // takes over from the gray one), and back.
  expect(s.colored, "a gray sketch has no coloured pixels").toBeLessThan(0.002);
  await page.evaluate("window.sketchcastLive.setControls({ style: 'colored' })");
  await page.waitForTimeout(2500);
  const colored = await sketchFrameStats(page);
  await page.screenshot({ path: join(tmpdir(), "sketchcast-live-preview-colored.png") });
  expect(colored.colored, "coloured strokes").toBeGreaterThan(0.02);
  expect(colored.paper, "still mostly paper").toBeGreaterThan(0.4);
  await page.evaluate("window.sketchcastLive.setControls({ style: 'pencil' })");
  await page.waitForTimeout(2500);
  expect((await sketchFrameStats(page)).colored, "gray again").toBeLessThan(0.002);
}, 120_000);
