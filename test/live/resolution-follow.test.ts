// The sketch follows the camera's resolution mid-stream, up and down: browsers change what they send
// (they start small and ramp up, switch cameras, adapt to CPU and bandwidth), and the stream that
// comes back must have the size that goes up, not the first size the server saw. The camera clip is
// 1280x720; the page's 360p/720p choice asks the browser for 640x360 or 1280x720. A sketched camera
// larger than live.sketchSize (640x360 on cpu) is drawn, and sent back, at that size.
import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { openLivePreview, pipelineStats } from "../helpers/live-preview.js";
import { useLiveRig } from "../helpers/live-rig.js";

const rig = useLiveRig("resize", [{}], { width: 1280, height: 720 });

/** What the browser sends now (outbound-rtp) and the size of the video coming back. */
async function sizes(page: Page): Promise<{ up: string; down: string }> {
  return page.evaluate(`(async () => {
    const stats = await window.sketchcastLive.rtcStats();
    let up = "";
    for (const s of stats.up.values())
      if (s.type === "outbound-rtp" && s.frameWidth) up = s.frameWidth + "x" + s.frameHeight;
    const v = document.getElementById("sketch");
    return { up, down: v.videoWidth + "x" + v.videoHeight };
  })()`);
}

/**
 * Polls until the returned size equals the sent one and both have held for `settleMs`; returns how
 * long the returned size lagged behind the last change of the sent one.
 */
async function waitUntilFollowing(page: Page, settleMs = 1500, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last = await sizes(page);
  let upChangedAt = Date.now();
  let matchedAt: number | undefined;
  const seen = new Set<string>();
  for (;;) {
    await page.waitForTimeout(100);
    const now = await sizes(page);
    if (now.up) seen.add(now.up);
    if (now.up !== last.up) upChangedAt = Date.now();
    if (now.up && now.up === now.down) matchedAt ??= Date.now();
    else matchedAt = undefined;
    last = now;
    if (matchedAt !== undefined && Date.now() - matchedAt >= settleMs && Date.now() - upChangedAt >= settleMs)
      return { size: now.up, lagMs: Math.max(0, matchedAt - upChangedAt), seen };
    if (Date.now() > deadline)
      throw new Error(
        `the returned ${now.down} did not follow the sent ${now.up} (sent so far: ${[...seen]})`,
      );
  }
}

test("the returned stream takes every size the camera sends, up and down", async () => {
  const page = await openLivePreview(rig.browser.context, rig.server.url, "passthrough");
  const sent = new Set<string>();
  const phases: string[] = [];
  for (const choice of ["360", "720", "360"]) {
    await page.selectOption("#size", choice);
    const { size, lagMs, seen } = await waitUntilFollowing(page);
    for (const s of seen) sent.add(s);
    phases.push(size);
    console.log(`${choice}p asked: sent and returned ${size} (returned size lagged ${lagMs} ms)`);
    const stats = await pipelineStats(page);
    expect(`${(stats as { width?: number }).width}x${(stats as { height?: number }).height}`).toBe(size);
  }
  const width = (s: string) => Number(s.split("x")[0]);
  // A real change in each direction: 720p asked sends more pixels than 360p, then fewer again.
  expect(width(phases[1] as string), `phases ${phases}`).toBeGreaterThan(width(phases[0] as string));
  expect(width(phases[2] as string), `phases ${phases}`).toBeLessThan(width(phases[1] as string));
  await page.close();
}, 120_000);

test("a sketched 1280x720 camera comes back drawn at live.sketchSize, 640x360 on cpu", async () => {
  const page = await openLivePreview(rig.browser.context, rig.server.url, "sketch");
  await page.selectOption("#size", "720");
  const deadline = Date.now() + 30_000;
  let now = await sizes(page);
  // Browsers ramp the uplink up: wait for the full 1280x720 to go up, and for what comes back then.
  while (!(now.up === "1280x720" && now.down === "640x360")) {
    if (Date.now() > deadline) throw new Error(`sent ${now.up}, got back ${now.down}`);
    await page.waitForTimeout(200);
    now = await sizes(page);
  }
  const stats = (await pipelineStats(page)) as { width?: number; height?: number };
  expect(`${stats.width}x${stats.height}`).toBe("640x360");
  // The page says so.
  await expect
    .poll(() => page.evaluate(() => document.getElementById("stats")?.textContent ?? ""), { timeout: 5000 })
    .toContain("640×360 drawn from 1280×720");
  await page.close();
}, 60_000);
