// The call page in real Chromium against a real server: people in one room see each other's
// sketch with their name and hear each other, see themselves, and a leaver's tile goes at once.
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../server/paths.js";
import {
  openCall,
  pageMessage,
  peerId,
  startCuttableProxy,
  tiles,
  waitForTileGone,
  waitForTiles,
} from "../helpers/call-page.js";
import { type Browser, launchChromium } from "../helpers/chromium.js";
import { buildClient } from "../helpers/client-build.js";
import { fakeCameraArgs, makeFakeCamera } from "../helpers/fake-camera.js";
import { childProcesses } from "../helpers/processes.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

const shots = join(repoRoot, "test-results");

describe("call page", () => {
  let server: RunningServer;
  let browser: Browser;
  const clip = join(tmpdir(), `sketchcast-call-${process.pid}.y4m`);

  beforeAll(async () => {
    await buildClient();
    await makeFakeCamera(clip);
    server = await startServer();
    // The fake device gives a microphone too (a beep); sound may play without a click here.
    browser = await launchChromium([...fakeCameraArgs(clip), "--autoplay-policy=no-user-gesture-required"]);
    await mkdir(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await removeDataDir(server?.dataDir ?? "");
    await rm(clip, { force: true });
  });

  /**
   * Colour of the tile's current frame (mean max-min of R, G, B) and its size: the fake camera is a
   * colourful test pattern, its sketch is gray, so raw camera video forwarded by mistake shows.
   */
  async function tileFrame(page: Page, peer: string) {
    return page.evaluate(async (id) => {
      const v = document.querySelector(`.tile[data-peer-id="${id}"] video`) as HTMLVideoElement;
      await new Promise((resolve) => v.requestVideoFrameCallback(() => resolve(undefined)));
      const c = document.createElement("canvas");
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      const g = c.getContext("2d") as CanvasRenderingContext2D;
      g.drawImage(v, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let chroma = 0;
      for (let i = 0; i < d.length; i += 4) {
        const [r, gr, b] = [d[i] ?? 0, d[i + 1] ?? 0, d[i + 2] ?? 0];
        chroma += Math.max(r, gr, b) - Math.min(r, gr, b);
      }
      return { chroma: chroma / (d.length / 4), width: c.width, height: c.height };
    }, peer);
  }

  const ffmpegPids = async () =>
    (await childProcesses(server.pid)).filter((p) => p.name === "ffmpeg").map((p) => p.pid);

  /** The tile of `name` presents new frames over a second and a half. */
  async function playing(page: Page, name: string): Promise<void> {
    const frames = async () => (await tiles(page)).find((t) => t.name === name)?.framesDecoded ?? 0;
    const before = await frames();
    await page.waitForTimeout(1500);
    expect(await frames(), `${name}'s video on this page does not advance`).toBeGreaterThan(before);
  }

  it("shows everyone in the room, live, and drops a leaver's tile", { timeout: 300_000 }, async () => {
    const errors: string[] = [];
    const room = "sketch-standup";
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    const alice = await openCall(browser.context, server.url, room, "Alice");
    alice.on("pageerror", (err) => errors.push(`alice: ${err.message}`));
    await alice.setViewportSize({ width: 1280, height: 800 });
    await waitForTiles(alice, []);
    expect(await alice.locator("#sketch-size").textContent()).toBe("Drawn at 424×240");
    await alice.screenshot({ path: join(shots, "call-page-1.png") });

    const bob = await openCall(browser.context, server.url, room, "Bob");
    bob.on("pageerror", (err) => errors.push(`bob: ${err.message}`));
    await bob.setViewportSize({ width: 1280, height: 800 });
    const aliceSees = await waitForTiles(alice, ["Bob"]);
    const bobSees = await waitForTiles(bob, ["Alice"]);
    // Each sees the other under their own peer id, and hears them.
    const ids = await Promise.all([alice, bob].map(peerId));
    expect(aliceSees.find((t) => t.name === "Bob")?.peerId).toBe(ids[1]);
    expect(bobSees.find((t) => t.name === "Alice")?.peerId).toBe(ids[0]);
    expect(aliceSees.find((t) => t.self)?.name).toBe("Alice");
    await playing(alice, "Bob");
    await playing(bob, "Alice");
    await playing(bob, "Bob");
    expect(bobSees.find((t) => t.name === "Alice")?.audio).toBe(true);
    await alice.screenshot({ path: join(shots, "call-page-2.png") });

    const carol = await openCall(browser.context, server.url, room, "Carol");
    carol.on("pageerror", (err) => errors.push(`carol: ${err.message}`));
    await waitForTiles(carol, ["Alice", "Bob"]);
    await waitForTiles(alice, ["Bob", "Carol"]);
    await waitForTiles(bob, ["Alice", "Carol"]);
    await playing(alice, "Carol");
    await alice.screenshot({ path: join(shots, "call-page-3.png") });
    // Each sees the two others drawn (gray, at most the call tile size), not their raw cameras.
    for (const [page, others] of [
      [alice, ["Bob", "Carol"]],
      [bob, ["Alice", "Carol"]],
      [carol, ["Alice", "Bob"]],
    ] as const) {
      const seen = await tiles(page);
      for (const name of others) {
        const tile = seen.find((t) => t.name === name);
        const frame = await tileFrame(page, tile?.peerId ?? "");
        expect(frame.chroma, `${name}'s tile is the raw camera, not a sketch`).toBeLessThan(8);
        expect(frame.width).toBeLessThanOrEqual(424);
        expect(frame.width).toBeGreaterThan(0);
        expect(tile?.audio, `${name}'s audio`).toBe(true);
      }
    }
    // Three cameras, each with a decoder and an encoder and a warm spare of each.
    await expect.poll(async () => (await ffmpegPids()).length, { timeout: 10_000 }).toBe(12);
    const pidsWithCarol = await ffmpegPids();

    // Closing the page drops the socket: the others' tiles of Carol go within a few seconds.
    await carol.close();
    const goneMs = await Promise.all([
      waitForTileGone(alice, "Carol", 5000),
      waitForTileGone(bob, "Carol", 5000),
    ]);
    console.log(`Carol's tile gone after ${goneMs.join(" / ")} ms`);
    expect((await tiles(alice)).map((t) => t.name).sort()).toEqual(["Alice", "Bob"]);
    // Her pipeline's four ffmpegs are gone; the others' are the ones from before.
    await expect.poll(async () => (await ffmpegPids()).length, { timeout: 5000 }).toBe(8);
    const left = await ffmpegPids();
    expect(
      left.every((pid) => pidsWithCarol.includes(pid)),
      `${left} vs ${pidsWithCarol}`,
    ).toBe(true);

    // Camera off shows on the other side.
    await bob.locator("#camera-off").click();
    await expect
      .poll(async () => (await tiles(alice)).find((t) => t.name === "Bob")?.badges, { timeout: 5000 })
      .toEqual(["camera off"]);

    // Leaving closes the call on this page and ends Bob's tile on Alice's.
    await bob.locator("#leave").click();
    expect(await bob.locator("#left").isVisible()).toBe(true);
    await bob.screenshot({ path: join(shots, "call-page-left.png") });
    await waitForTileGone(alice, "Bob", 5000);
    expect(errors).toEqual([]);
    await alice.close();
    await bob.close();
  });

  it("says why a room name cannot be used", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/call.html?room=bad!name&name=Dana`);
    expect(await pageMessage(page)).toMatch(
      /"bad!name" cannot be a room name: use 1-64 letters, digits, _ or -/,
    );
    expect(await page.locator("#call").isHidden()).toBe(true);
    // The form offers a usable room instead.
    expect(await page.locator("#lobby-room").inputValue()).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(shots, "call-page-bad-room.png") });
    await page.close();
  });

  it("rejoins by itself after a lost connection", { timeout: 180_000 }, async () => {
    const proxy = await startCuttableProxy(server.url);
    try {
      const alice = await openCall(browser.context, proxy.url, "comeback", "Alice");
      const bob = await openCall(browser.context, proxy.url, "comeback", "Bob");
      await waitForTiles(alice, ["Bob"]);
      await waitForTiles(bob, ["Alice"]);
      const before = await peerId(alice);
      // Everything the page says, in order.
      await alice.evaluate(() => {
        const m = document.getElementById("message") as HTMLElement;
        const said: string[] = [];
        (window as unknown as { said: string[] }).said = said;
        new MutationObserver(() => said.push(m.hidden ? "" : (m.textContent ?? ""))).observe(m, {
          attributes: true,
          childList: true,
          subtree: true,
          characterData: true,
        });
      });
      await proxy.cut(4000);
      await waitForTiles(alice, ["Bob"], 60_000);
      await waitForTiles(bob, ["Alice"], 30_000);
      expect(await peerId(alice)).not.toBe(before);
      await playing(alice, "Bob");
      const said = await alice.evaluate(() => (window as unknown as { said: string[] }).said);
      expect(said.some((t) => t.includes("Reconnecting…"))).toBe(true);
      expect(said).toContain("Reconnected.");
      await alice.close();
      await bob.close();
    } finally {
      await proxy.close();
    }
  });

  it("says when the server cannot sketch your camera, and when the room is full", {
    timeout: 180_000,
  }, async () => {
    const small = await startServer({
      env: { SKETCHCAST_ROOM_MAX_PEERS: "2", SKETCHCAST_LIVE_MAX_PIPELINES: "1" },
    });
    try {
      const alice = await openCall(browser.context, small.url, "small", "Alice");
      await waitForTiles(alice, []);
      // The one pipeline is Alice's: Bob is in the call, heard but not seen, and told why.
      const bob = await openCall(browser.context, small.url, "small", "Bob");
      await expect
        .poll(async () => (await tiles(bob)).find((t) => t.self)?.note, { timeout: 30_000 })
        .toMatch(/not sketched: the server is full/);
      await expect
        .poll(async () => (await tiles(alice)).find((t) => t.name === "Bob"), { timeout: 30_000 })
        .toMatchObject({ videoWidth: 0, audio: true });
      await expect
        .poll(async () => (await tiles(bob)).find((t) => t.name === "Alice")?.framesDecoded ?? 0, {
          timeout: 30_000,
        })
        .toBeGreaterThan(0);
      expect(await bob.locator("#camera-off").isDisabled()).toBe(true);
      await bob.setViewportSize({ width: 1280, height: 800 });
      await bob.screenshot({ path: join(shots, "call-page-not-sketched.png") });
      // Two is the room's limit.
      const carol = await openCall(browser.context, small.url, "small", "Carol");
      await expect.poll(() => pageMessage(carol), { timeout: 30_000 }).toMatch(/This room is full/);
      expect(await carol.locator("#call").isHidden()).toBe(true);
      for (const page of [alice, bob, carol]) await page.close();
    } finally {
      await small.stop();
      await removeDataDir(small.dataDir);
    }
  });
});
