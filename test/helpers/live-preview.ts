// Driving the live preview page (client/preview.html) in Chromium: open it, read what arrives.
// Page-side code is passed as strings so no bundler helper names leak into the page.
import type { BrowserContext, Page } from "playwright-core";

/** Opens the preview and waits until the sketch video shows a frame. */
export async function openLivePreview(
  context: BrowserContext,
  baseUrl: string,
  mode: "sketch" | "passthrough" = "sketch",
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/preview.html?mode=${mode}`);
  await page
    // A function, not a string: the page's CSP (no 'unsafe-eval') refuses a polled string.
    .waitForFunction(() => (document.getElementById("sketch") as HTMLVideoElement).videoWidth > 0, null, {
      timeout: 45_000,
    })
    .catch(async (err: Error) => {
      throw new Error(
        `no sketch video; page says "${await page.locator("#message").textContent()}": ${err.message}`,
      );
    });
  return page;
}

/** The receiving side's `framesDecoded` (WebRTC inbound-rtp of the sketch stream). */
async function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(`(async () => {
    const stats = await window.sketchcastLive.rtcStats();
    for (const s of stats.down.values()) if (s.type === "inbound-rtp") return s.framesDecoded ?? 0;
    return 0;
  })()`);
}

export interface LivePipelineStats {
  framesIn: number;
  framesOut: number;
  decoderPid?: number;
  encoderPid?: number;
}

export async function pipelineStats(page: Page): Promise<LivePipelineStats> {
  return page.evaluate("window.sketchcastLive.pipelineStats()");
}

/** Frames over a window of `ms`: decoded by the server (`framesIn`), drawn by it (`framesOut`) and
 *  decoded by the page (`received`), and the window's length in seconds. */
export async function countFrames(
  page: Page,
  ms: number,
): Promise<{ seconds: number; framesIn: number; framesOut: number; received: number }> {
  const [decoded0, stats0] = [await framesDecoded(page), await pipelineStats(page)];
  const t0 = Date.now();
  await page.waitForTimeout(ms);
  const [decoded1, stats1] = [await framesDecoded(page), await pipelineStats(page)];
  return {
    seconds: (Date.now() - t0) / 1000,
    framesIn: stats1.framesIn - stats0.framesIn,
    framesOut: stats1.framesOut - stats0.framesOut,
    received: decoded1 - decoded0,
  };
}

/**
 * Starts recording when the sketch video presents a new frame (its cheap frame counter, polled every
 * 10 ms on the page clock; getStats() that often would load the browser enough to change what it
 * measures); `stop()` returns the longest gap between two frames since the start, in ms.
 */
export async function watchFrameGaps(page: Page): Promise<{ stop: () => Promise<number> }> {
  await page.evaluate(`(() => {
    const v = document.getElementById("sketch");
    const w = { gap: 0, last: performance.now(), count: v.getVideoPlaybackQuality().totalVideoFrames };
    w.timer = setInterval(() => {
      const n = v.getVideoPlaybackQuality().totalVideoFrames;
      if (n === w.count) return;
      const now = performance.now();
      w.gap = Math.max(w.gap, now - w.last);
      w.count = n;
      w.last = now;
    }, 10);
    window.frameGapWatch = w;
  })()`);
  return {
    stop: () =>
      page.evaluate(`(() => {
        const w = window.frameGapWatch;
        clearInterval(w.timer);
        return Math.max(w.gap, performance.now() - w.last);
      })()`),
  };
}

/** Luma statistics of the sketch video's current frame, drawn into a canvas; `chroma` is the mean
 *  max−min of a pixel's channels, `colored` the share of pixels where it is over 40. */
export async function sketchFrameStats(
  page: Page,
): Promise<{ mean: number; paper: number; strokes: number; chroma: number; colored: number }> {
  // videoWidth is known from the stream's metadata before a frame is on screen, and drawImage of a
  // video without a presented frame draws nothing (all zero): wait for the next presented frame.
  return page.evaluate(`(async () => {
    const v = document.getElementById("sketch");
    await new Promise((resolve) => v.requestVideoFrameCallback(() => resolve()));
    const c = document.createElement("canvas");
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext("2d");
    g.drawImage(v, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let sum = 0, paper = 0, strokes = 0, chroma = 0, colored = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
      sum += y;
      if (y > 200) paper++;
      if (y < 120) strokes++;
      const spread = Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]);
      chroma += spread;
      if (spread > 40) colored++;
    }
    return { mean: sum / n, paper: paper / n, strokes: strokes / n, chroma: chroma / n, colored: colored / n };
  })()`);
}
