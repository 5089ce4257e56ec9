// `sketchcast serve --ep webgpu` / `--ep cuda` on a box where the provider can't start (no GPU, no
// CUDA libraries): the server says so in exactly one warning, serves on CPU, and the live loop
// (Chromium's fake camera → mediasoup → ffmpeg → engine → ffmpeg → the page) keeps drawing.
// Both servers share one Chromium; each test streams to one of them.
import { expect, test } from "vitest";
import { countFrames, openLivePreview, sketchFrameStats } from "../helpers/live-preview.js";
import { useLiveRig } from "../helpers/live-rig.js";
import { serverLogLines } from "../helpers/server.js";

const eps = ["webgpu", "cuda"] as const;

const rig = useLiveRig(
  "ep-fallback",
  // Separate media port ranges, so the two servers' mediasoup workers never pick the same port.
  eps.map((ep, i) => ({
    args: ["--ep", ep],
    env: {
      SKETCHCAST_MEDIASOUP_RTC_MIN_PORT: String(40000 + i * 5000),
      SKETCHCAST_MEDIASOUP_RTC_MAX_PORT: String(44999 + i * 5000),
    },
  })),
);

eps.forEach((ep, i) => {
  test(`--ep ${ep} unavailable: one fallback warning, and the live sketch keeps flowing on cpu`, async () => {
    const server = rig.servers[i];
    if (!server) throw new Error(`no server for --ep ${ep}`);
    const fallback = new RegExp(`^execution provider "${ep}" unavailable \\(.+\\); falling back to cpu$`);
    const warnings = () => serverLogLines(server).filter((l) => l.level >= 40);

    // Started: the only warning is the fallback, and the engine says it runs on cpu.
    expect(
      warnings().map((l) => l.msg),
      server.output(),
    ).toEqual([expect.stringMatching(fallback)]);
    expect(serverLogLines(server).find((l) => l.msg === "sketchcast serving")).toMatchObject({ ep: "cpu" });
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { engine: { ep: string } };
    expect(health.engine.ep).toBe("cpu");

    const page = await openLivePreview(rig.browser.context, server.url);
    try {
      // A drawing comes back (gray, mostly paper), not the camera's colour bars.
      const s = await sketchFrameStats(page);
      expect(s.chroma, "the sketch is gray").toBeLessThan(8);
      expect(s.mean, "mostly paper").toBeGreaterThan(170);

      // And keeps coming: frames drawn by the server and decoded by the page over 5 s. The bar is
      // "flowing", not a frame rate (`npm run bench -- live` measures that): a stalled or dead
      // pipeline gives ~0, a busy 2-core box still well over 2 fps.
      const n = await countFrames(page, 5000);
      const fps = n.received / n.seconds;
      console.log(`--ep ${ep} (fell back to cpu): ${fps.toFixed(1)} fps received`);
      expect(n.framesOut, "frames drawn by the server").toBeGreaterThanOrEqual(10);
      expect(fps, "sketch frames decoded per second").toBeGreaterThanOrEqual(2);
    } finally {
      await page.close();
    }

    // Streaming added no warning: the provider was decided once, at startup.
    expect(
      warnings().map((l) => l.msg),
      server.output(),
    ).toEqual([expect.stringMatching(fallback)]);
    expect((await fetch(`${server.url}/healthz`)).ok, "the server is still up").toBe(true);
  }, 120_000);
});
