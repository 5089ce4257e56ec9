// The conversion page in real Chromium: pick a clip, convert it, watch both progress bars, play
// the result and download it.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe } from "../../server/ffmpeg/probe.js";
import { repoRoot } from "../../server/paths.js";
import { type Browser, launchChromium } from "../helpers/chromium.js";
import { buildClient } from "../helpers/client-build.js";
import { makeClip } from "../helpers/media.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

describe("conversion page", () => {
  let server: RunningServer;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sketchcast-page-"));
    await buildClient();
    server = await startServer();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await removeDataDir(server?.dataDir ?? "");
    await rm(dir, { recursive: true, force: true });
  });

  // The conversion itself may take a while on a busy machine; vitest's limit here is the only clock.
  it("converts an uploaded clip and offers it to play and download", { timeout: 180_000 }, async () => {
    const clip = join(dir, "walk.mp4");
    await makeClip(clip, { seconds: 2 });
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    expect(await page.locator("nav a").getAttribute("href")).toBe("/preview.html");
    expect(await page.locator("#start").isDisabled()).toBe(true);

    // Record every conversion status line the page shows, to see progress between 0 and done.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const text = document.getElementById("convert-text") as HTMLElement;
      new MutationObserver(() => seen.push(text.textContent ?? "")).observe(text, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.setInputFiles("#file", clip);
    await page.locator('label:has(input[value="charcoal"])').click();
    await page.locator("#detail").fill("0.8");
    await page.locator("#start").click();

    // Wait for the outcome, whichever it is; a failure shows its reason in #error.
    await page.waitForFunction(
      () =>
        !(document.getElementById("result") as HTMLElement).hidden ||
        !(document.getElementById("error") as HTMLElement).hidden,
      undefined,
      { timeout: 0 },
    );
    expect(await page.locator("#error").isHidden(), (await page.locator("#error").textContent()) ?? "").toBe(
      true,
    );
    expect(await page.locator("#upload-text").textContent()).toBe("done");
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(
      seen.some((t) => /^\d+ \/ 60 frames/.test(t) && !t.startsWith("60 /") && !t.startsWith("0 /")),
    ).toBe(true);
    expect(await page.locator("#convert-text").textContent()).toMatch(/^done · 60 frames/);

    // The result plays: metadata loaded, 2 s long.
    await page.waitForFunction(
      () => (document.getElementById("result-video") as HTMLVideoElement).readyState >= 2,
    );
    const duration = await page.$eval("#result-video", (v) => (v as HTMLVideoElement).duration);
    expect(duration).toBeCloseTo(2, 1);
    // Seeking works (range requests) and the decoded frame is a picture, not black: a sketch is
    // mostly paper.
    const luma = await page.$eval("#result-video", async (el) => {
      const v = el as HTMLVideoElement;
      v.currentTime = 1;
      await new Promise((r) => v.addEventListener("seeked", r, { once: true }));
      const c = document.createElement("canvas");
      c.width = 64;
      c.height = 36;
      const g = c.getContext("2d") as CanvasRenderingContext2D;
      g.drawImage(v, 0, 0, c.width, c.height);
      const px = g.getImageData(0, 0, c.width, c.height).data;
      let sum = 0;
      for (let i = 0; i < px.length; i += 4) sum += px[i] as number;
      return sum / (px.length / 4);
    });
    expect(luma).toBeGreaterThan(64);

    await mkdir(join(repoRoot, "test-results"), { recursive: true });
    await page.screenshot({ path: join(repoRoot, "test-results", "convert-page.png"), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download").click()]);
    expect(download.suggestedFilename()).toBe("walk-sketch.mp4");
    const saved = join(dir, "saved.mp4");
    await download.saveAs(saved);
    const info = await probe(saved);
    expect(info.video.frameCount).toBe(60);

    // The fragment keeps the job and its key (a fragment never reaches the server): a reload follows
    // the same job and plays its result again.
    const hash = new URLSearchParams(new URL(page.url()).hash.slice(1));
    const id = hash.get("job");
    expect(hash.get("key")).toMatch(/^[\w-]{43}$/);
    await page.reload();
    await page.locator("#result").waitFor({ state: "visible" });
    await page.waitForFunction(
      () => (document.getElementById("result-video") as HTMLVideoElement).readyState >= 2,
    );
    expect(await page.locator("#convert-text").textContent()).toMatch(/^done · 60 frames/);
    await page.screenshot({
      path: join(repoRoot, "test-results", "convert-page-reloaded.png"),
      fullPage: true,
    });
    expect(pageErrors).toEqual([]);

    // A link with the id alone opens the job in this browser, which kept the key; without the key
    // (another browser) the job does not exist.
    const tab = await browser.context.newPage();
    await tab.goto(`${server.url}/#job=${id}`);
    await tab.locator("#result").waitFor({ state: "visible" });
    await tab.evaluate(() => localStorage.clear());
    const stranger = await browser.context.newPage();
    await stranger.goto(`${server.url}/#job=${id}`);
    await stranger.locator("#error").waitFor({ state: "visible" });
    expect(await stranger.locator("#error").textContent()).toBe(`no job ${id}`);
  });

  it("shows the API's reason when an upload is refused", async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.setInputFiles("#file", {
      name: "notes.mp4",
      mimeType: "video/mp4",
      buffer: Buffer.from("not a video"),
    });
    await page.locator("#start").click();
    await page.locator("#error").waitFor({ state: "visible" });
    expect(await page.locator("#error").textContent()).toBe("not a video or image file: notes.mp4");
    expect(await page.locator("#start").isEnabled()).toBe(true);
  });
});
