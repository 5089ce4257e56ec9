// OBS's way in and out, end to end in real Chromium against a real server: a third-party WHIP
// client (npm `whip-whep`, on a page of another origin, so CORS is exercised) publishes H264 in
// packetization mode 1 + Opus without trickle, as OBS does; the overlay page shows its sketch as
// ink on transparent pixels; a WHEP player on the other site receives the sketch; DELETE ends the
// session and its ffmpegs; a wrong token gets 401 and a malformed offer 400, and the server stays up.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../server/paths.js";
import { type Browser, launchChromium } from "../helpers/chromium.js";
import { buildClient } from "../helpers/client-build.js";
import { fakeCameraArgs, makeFakeCamera } from "../helpers/fake-camera.js";
import { decodePngRgba } from "../helpers/frames.js";
import { childProcesses } from "../helpers/processes.js";
import { type RunningServer, removeDataDir, serverLogLines, startServer } from "../helpers/server.js";

const token = "whip-test-token-1";
const room = "obs-room";
const shots = join(repoRoot, "test-results");

/** The "other site": a page with the npm WHIP/WHEP client, served from its own port. */
async function thirdPartySite(): Promise<{ url: string; server: Server }> {
  const lib = join(repoRoot, "node_modules/whip-whep");
  const files: Record<string, [string, string]> = {
    "/": [
      "text/html",
      "<!doctype html><title>third-party WHIP client</title><video id=v autoplay muted playsinline></video>",
    ],
    "/whip.js": ["text/javascript", await readFile(join(lib, "whip.js"), "utf8")],
    "/whep.js": ["text/javascript", await readFile(join(lib, "whep.js"), "utf8")],
  };
  const server = createServer((req, res) => {
    const f = files[req.url ?? ""];
    res.writeHead(f ? 200 : 404, { "content-type": f?.[0] ?? "text/plain" }).end(f?.[1] ?? "");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Publishes the fake camera + microphone with whip-whep's WHIPClient, H264 (mode 1) and Opus only. */
async function publish(page: Page, endpoint: string): Promise<string> {
  return page.evaluate(
    async ({ endpoint, token }) => {
      // (a plain import() here would be rewritten by the test runner's transform)
      const { WHIPClient } = await new Function("return import('/whip.js')")();
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: 640, height: 360 },
        audio: true,
      });
      const pc = new RTCPeerConnection();
      for (const track of stream.getTracks()) {
        const t = pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
        const caps = RTCRtpSender.getCapabilities(track.kind)?.codecs ?? [];
        t.setCodecPreferences(
          track.kind === "video"
            ? caps.filter(
                (c) =>
                  c.mimeType === "video/H264" &&
                  /packetization-mode=1/.test(c.sdpFmtpLine ?? "") &&
                  /profile-level-id=42e01f/.test(c.sdpFmtpLine ?? ""),
              )
            : caps.filter((c) => c.mimeType === "audio/opus"),
        );
      }
      const client = new WHIPClient();
      // OBS sends one offer and nothing after it: drop the trickle PATCHes this client would send
      // (the server answers them 405 anyway).
      client.patch = async () => undefined;
      await client.publish(pc, endpoint, token);
      (window as unknown as { whip: unknown }).whip = client;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`WHIP connection ${pc.connectionState}`)), 20_000);
        const check = () => {
          if (pc.connectionState !== "connected") return;
          clearTimeout(t);
          resolve();
        };
        pc.addEventListener("connectionstatechange", check);
        check();
      });
      return (client as unknown as { resourceURL: URL }).resourceURL.href;
    },
    { endpoint, token },
  );
}

describe("WHIP in, overlay and WHEP out", () => {
  let server: RunningServer;
  let browser: Browser;
  let site: { url: string; server: Server };
  const clip = join(tmpdir(), `sketchcast-whip-${process.pid}.y4m`);

  beforeAll(async () => {
    await buildClient();
    await makeFakeCamera(clip);
    server = await startServer({ env: { SKETCHCAST_WHIP_TOKEN: token } });
    site = await thirdPartySite();
    browser = await launchChromium(fakeCameraArgs(clip));
    await mkdir(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    await server?.stop();
    await removeDataDir(server?.dataDir ?? "");
    await rm(clip, { force: true });
  });

  it("refuses a wrong or missing token (401) and a malformed offer (400, with the reason)", async () => {
    const obs = await readFile(join(repoRoot, "test/fixtures/whip/whip-offer-obs.sdp"), "utf8");
    const post = (body: string, auth?: string) =>
      fetch(`${server.url}/whip/${room}`, {
        method: "POST",
        headers: { "content-type": "application/sdp", ...(auth ? { authorization: auth } : {}) },
        body,
      });
    expect((await post(obs)).status).toBe(401);
    expect((await post(obs, "Bearer wrong-token-1")).status).toBe(401);
    const bad = await post(obs.replace(/a=fingerprint:.*\r\n/, ""), `Bearer ${token}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/no DTLS fingerprint/);
    const garbage = await post("v=0\r\nm=video banana\r\n", `Bearer ${token}`);
    expect(garbage.status).toBe(400);
    const preflight = await fetch(`${server.url}/whip/${room}`, {
      method: "OPTIONS",
      headers: { origin: site.url },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // nothing published: nothing to view
    expect(
      (
        await fetch(`${server.url}/whep/${room}`, {
          method: "POST",
          headers: { "content-type": "application/sdp" },
          body: obs,
        })
      ).status,
    ).toBe(404);
  });

  it("publishes over WHIP; the overlay shows moving ink on transparent paper; WHEP plays it; DELETE ends it; the overlay picks up the next publisher", async () => {
    const before = new Set((await childProcesses(server.pid)).map((p) => p.pid));
    const publisher = await browser.context.newPage();
    await publisher.goto(site.url);
    const resource = await publish(publisher, `${server.url}/whip/${room}`);
    expect(new URL(resource).pathname).toMatch(new RegExp(`^/whip/${room}/[\\w-]+$`));
    const joined = serverLogLines(server).find((l) => l.msg === "WHIP publisher joined");
    expect(joined?.codecs).toEqual(["audio/opus", "video/H264"]);

    const overlay = await browser.context.newPage();
    await overlay.setViewportSize({ width: 640, height: 360 });
    await overlay.goto(`${server.url}/overlay.html?room=${room}&ink=%23d02020`);
    await overlay.waitForFunction(() => Number(document.body.dataset.frames ?? 0) > 30, undefined, {
      timeout: 60_000,
    });
    const shot = async () => overlay.screenshot({ omitBackground: true });
    const pngA = await shot();
    await overlay.waitForTimeout(1000);
    const pngB = await shot();
    await writeFile(join(shots, "overlay-transparent.png"), pngB);
    const [a, b] = [await decodePngRgba(pngA, 640, 360), await decodePngRgba(pngB, 640, 360)];
    const alpha = (img: Uint8Array) => Array.from({ length: 640 * 360 }, (_, i) => img[i * 4 + 3] as number);
    const [alphaA, alphaB] = [alpha(a), alpha(b)];
    const clear = alphaB.filter((v) => v === 0).length / alphaB.length;
    const inked = alphaB.filter((v) => v > 128).length / alphaB.length;
    // paper is see-through, lines are not, and the ink is the colour asked for
    expect(clear).toBeGreaterThan(0.3);
    expect(inked).toBeGreaterThan(0.01);
    const opaque = alphaB.findIndex((v) => v > 200);
    expect(b[opaque * 4]).toBeGreaterThan(150);
    expect(b[opaque * 4 + 2]).toBeLessThan(100);
    // the testsrc2 pattern moves, so its drawing does
    const changed = alphaA.filter((v, i) => Math.abs(v - (alphaB[i] as number)) > 64).length / alphaA.length;
    expect(changed).toBeGreaterThan(0.002);

    const viewer = await browser.context.newPage();
    await viewer.goto(site.url);
    const played = await viewer.evaluate(async (endpoint) => {
      const { WHEPClient } = await new Function("return import('/whep.js')")();
      const pc = new RTCPeerConnection();
      pc.addTransceiver("video", { direction: "recvonly" });
      const v = document.getElementById("v") as HTMLVideoElement;
      pc.ontrack = (e) => {
        v.srcObject = new MediaStream([e.track]);
      };
      const client = new WHEPClient();
      client.patch = async () => undefined;
      await client.view(pc, endpoint);
      // Browsers start an uplink small and ramp up: wait (up to 30 s) for the camera's full width.
      let n = 0;
      const until = performance.now() + 30_000;
      await new Promise<void>((resolve) => {
        const f = () =>
          ++n >= 20 && (v.videoWidth >= 640 || performance.now() > until)
            ? resolve()
            : v.requestVideoFrameCallback(f);
        v.requestVideoFrameCallback(f);
      });
      return { frames: n, width: v.videoWidth, height: v.videoHeight };
    }, `${server.url}/whep/${room}`);
    expect(played.frames).toBeGreaterThanOrEqual(20);
    // drawn at the publisher's own 640x360, not at the 424x240 of a call's tiles
    expect(played.width).toBe(640);

    const during = (await childProcesses(server.pid)).filter(
      (p) => p.name === "ffmpeg" && !before.has(p.pid),
    );
    expect(during.length).toBeGreaterThanOrEqual(2);
    const del = await fetch(resource, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    expect(del.status).toBe(200);
    const deadline = Date.now() + 15_000;
    let left = during;
    while (Date.now() < deadline && left.length > 0) {
      await new Promise((r) => setTimeout(r, 250));
      const now = new Set((await childProcesses(server.pid)).map((p) => p.pid));
      left = during.filter((p) => now.has(p.pid));
    }
    expect(left).toEqual([]);
    // the overlay goes back to transparent and waits for the next publisher
    await overlay.waitForFunction(() => document.body.dataset.state === "waiting", undefined, {
      timeout: 15_000,
    });
    expect(
      (await fetch(resource, { method: "DELETE", headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(404);
    // … and shows the next one by itself, with no reload
    const framesBefore = Number(await overlay.evaluate(() => document.body.dataset.frames ?? 0));
    const again = await browser.context.newPage();
    await again.goto(site.url);
    const second = await publish(again, `${server.url}/whip/${room}?style=colored`);
    await overlay.waitForFunction(
      (n) => document.body.dataset.state === "playing" && Number(document.body.dataset.frames) > n + 30,
      framesBefore,
      { timeout: 60_000 },
    );
    // An overlay without &ink keeps each stroke's own colour: the colored pencil drawing of the
    // colourful test pattern shows coloured strokes on see-through paper.
    const own = await browser.context.newPage();
    await own.setViewportSize({ width: 640, height: 360 });
    await own.goto(`${server.url}/overlay.html?room=${room}`);
    await own.waitForFunction(() => Number(document.body.dataset.frames ?? 0) > 30, undefined, {
      timeout: 60_000,
    });
    const ownPng = await own.screenshot({ omitBackground: true });
    await writeFile(join(shots, "overlay-own-colours.png"), ownPng);
    const c = await decodePngRgba(ownPng, 640, 360);
    let seeThrough = 0;
    let colouredStrokes = 0;
    for (let i = 0; i < 640 * 360; i++) {
      const rgb = [0, 1, 2].map((k) => c[i * 4 + k] as number);
      const al = c[i * 4 + 3] as number;
      if (al === 0) seeThrough++;
      if (al > 60 && Math.max(...rgb) - Math.min(...rgb) > 60) colouredStrokes++;
    }
    expect(seeThrough / (640 * 360)).toBeGreaterThan(0.3);
    expect(colouredStrokes / (640 * 360)).toBeGreaterThan(0.005);
    await fetch(second, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    await Promise.all([publisher.close(), again.close(), overlay.close(), own.close(), viewer.close()]);
  }, 240_000);
});
