// The call page with cameras other than one smooth 30 fps clip, in real Chromium against a real
// server: a camera that arrives at a low frame rate is marked "slow" on everyone else's tile (and a
// smooth one is not), and the camera picker switches cameras in place — the same tile keeps playing
// for the others, with no rejoin. Each browser has its own fake devices, so each is launched apart.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCall, pageMessage, peerId, tiles, waitForTiles } from "../helpers/call-page.js";
import { type Browser, launchChromium } from "../helpers/chromium.js";
import { buildClient } from "../helpers/client-build.js";
import { fakeCameraArgs, makeFakeCamera } from "../helpers/fake-camera.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

/** Polls the badges on `name`'s tile until `ok` holds; rejects with the last badges seen. */
async function waitForBadges(
  page: Page,
  name: string,
  ok: (badges: string[]) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  let badges: string[] = [];
  while (Date.now() < deadline) {
    badges = (await tiles(page)).find((t) => t.name === name)?.badges ?? [];
    if (ok(badges)) return badges;
    await page.waitForTimeout(250);
  }
  throw new Error(`${name}'s tile badges stayed ${JSON.stringify(badges)}`);
}

describe("call page cameras", () => {
  let server: RunningServer;
  const browsers: Browser[] = [];
  const smoothClip = join(tmpdir(), `sketchcast-call-cam30-${process.pid}.y4m`);
  const slowClip = join(tmpdir(), `sketchcast-call-cam6-${process.pid}.y4m`);

  beforeAll(async () => {
    await buildClient();
    await makeFakeCamera(smoothClip);
    // Chromium's file camera plays the clip at its own rate: 6 frames a second, like a camera the
    // server can draw only that often.
    await makeFakeCamera(slowClip, { fps: 6 });
    server = await startServer();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await server?.stop();
    await removeDataDir(server?.dataDir ?? "");
    await rm(smoothClip, { force: true });
    await rm(slowClip, { force: true });
  });

  const launch = async (args: string[]) => {
    const b = await launchChromium(args);
    browsers.push(b);
    return b;
  };

  it("marks a camera drawn at under 15 fps 'slow' on the others' tiles, with its rate", async () => {
    const smooth = await launch(fakeCameraArgs(smoothClip));
    const slow = await launch(fakeCameraArgs(slowClip));
    const alice = await openCall(smooth.context, server.url, "slow-badge", "Alice");
    const bob = await openCall(slow.context, server.url, "slow-badge", "Bob");
    await waitForTiles(alice, ["Bob"]);
    await waitForTiles(bob, ["Alice"]);
    const badges = await waitForBadges(alice, "Bob", (b) => b.some((x) => x.startsWith("slow")));
    const fps = Number(/slow: (\d+) fps/.exec(badges.find((x) => x.startsWith("slow")) ?? "")?.[1]);
    expect(fps, `badges ${badges}`).toBeGreaterThan(0);
    expect(fps, `badges ${badges}`).toBeLessThan(15);
    // Alice's camera is drawn at full rate: her tile on Bob's page stays unmarked, two samples running.
    await bob.waitForTimeout(4500);
    expect((await tiles(bob)).find((t) => t.name === "Alice")?.badges).not.toContainEqual(
      expect.stringMatching(/^slow/),
    );
    await Promise.all([alice.close(), bob.close()]);
  }, 120_000);

  it("switches to another camera in place (the others' tile keeps playing, no rejoin) and refuses a depth camera", async () => {
    const watcher = await launch(fakeCameraArgs(smoothClip));
    // Chromium's generated fake cameras (no file: a file replaces every fake device with one). The
    // second of them is a 16-bit depth camera that WebRTC cannot encode; the third is an ordinary one.
    const cams = await launch([
      "--use-fake-device-for-media-stream=device-count=3",
      "--use-fake-ui-for-media-stream",
    ]);
    const carol = await openCall(cams.context, server.url, "picker", "Carol");
    const dave = await openCall(watcher.context, server.url, "picker", "Dave");
    await waitForTiles(carol, ["Dave"]);
    await waitForTiles(dave, ["Carol"]);
    const carolId = await peerId(carol);
    const picker = await carol.evaluate(() => {
      const s = document.getElementById("device") as HTMLSelectElement;
      return {
        disabled: s.disabled,
        options: [...s.options].map((o) => ({ id: o.value, label: o.text })),
        value: s.value,
      };
    });
    expect(picker.disabled).toBe(false);
    expect(picker.options.length).toBe(3);
    const other = picker.options.find((o) => o.label === "fake_device_2")?.id as string;
    expect(other).toBeDefined();
    expect(other).not.toBe(picker.value);
    const cameraInUse = () =>
      carol.evaluate(() =>
        (
          window as unknown as { sketchcastCall: { cameraDeviceId(): string } }
        ).sketchcastCall.cameraDeviceId(),
      );
    expect(await cameraInUse()).toBe(picker.value);
    await carol.selectOption("#device", other);
    await expect.poll(cameraInUse, { timeout: 10_000 }).toBe(other);
    // Dave's tile of Carol is the same one (same peer, no rejoin) and keeps advancing on the new camera.
    const frames = async () => (await tiles(dave)).find((t) => t.name === "Carol")?.framesDecoded ?? 0;
    const before = await frames();
    await dave.waitForTimeout(3000);
    expect(await frames(), "Carol's tile on Dave's page stopped after the switch").toBeGreaterThan(
      before + 20,
    );
    const others = (await tiles(dave)).filter((t) => !t.self);
    expect(others.map((t) => [t.name, t.peerId])).toEqual([["Carol", carolId]]);

    // The depth camera gives WebRTC nothing to encode: the page goes back to the camera before and says why.
    const depth = picker.options.find((o) => o.label === "fake_device_1")?.id as string;
    await carol.selectOption("#device", depth);
    await expect
      .poll(() => pageMessage(carol), { timeout: 15_000 })
      .toMatch(/no picture the browser can send/);
    expect(await cameraInUse()).toBe(other);
    expect(await carol.evaluate(() => (document.getElementById("device") as HTMLSelectElement).value)).toBe(
      other,
    );
    const then = await frames();
    await dave.waitForTimeout(3000);
    expect(await frames(), "Carol's tile stopped after the depth camera was refused").toBeGreaterThan(
      then + 20,
    );
    await Promise.all([carol.close(), dave.close()]);
  }, 120_000);
});
