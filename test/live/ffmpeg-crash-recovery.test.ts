// A live ffmpeg that dies mid-stream (SIGKILL by pid) is replaced and frames reach the browser again
// within 1 s. Runs the passthrough pipeline so the bound measures ffmpeg recovery, not model speed.
import { expect, test } from "vitest";
import { openLivePreview, pipelineStats, watchFrameGaps } from "../helpers/live-preview.js";
import { useLiveRig } from "../helpers/live-rig.js";

const rig = useLiveRig("crash");

test.each(["decoder", "encoder"] as const)(
  "a killed %s is replaced and frames flow again within 1 s",
  async (role) => {
    const page = await openLivePreview(rig.browser.context, rig.server.url, "passthrough");
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
