// What a stranger can take of the live side: session tokens are rate-limited per address, the
// connections and pipelines have server-wide caps with a clear "server full" answer, a camera that
// sends nothing starts no ffmpeg and loses its pipeline after the idle timeout, WebRTC port
// exhaustion reads as "server full", and a connection can consume only its own streams.
import type { Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import {
  connectLive,
  liveSockets,
  liveToken,
  type Reply,
  request,
  vp8CameraParameters,
} from "../helpers/live-socket.js";
import { childProcesses } from "../helpers/processes.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

let server: RunningServer;
const { open, closeAll } = liveSockets(() => server.url);

beforeAll(async () => {
  server = await startServer({
    env: {
      SKETCHCAST_LIVE_TOKENS_PER_MINUTE: "12",
      SKETCHCAST_LIVE_CONNECTIONS_PER_ADDRESS: "3",
      SKETCHCAST_LIVE_MAX_CONNECTIONS: "3",
      SKETCHCAST_LIVE_MAX_PIPELINES: "1",
      SKETCHCAST_LIVE_IDLE_TIMEOUT_S: "2",
      // One worker with four ports: the fifth WebRTC transport finds none free.
      SKETCHCAST_MEDIASOUP_WORKERS: "1",
      SKETCHCAST_MEDIASOUP_RTC_MIN_PORT: "47010",
      SKETCHCAST_MEDIASOUP_RTC_MAX_PORT: "47013",
    },
  });
}, 120_000);

afterEach(closeAll);

afterAll(async () => {
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
});

const ffmpegs = async () => (await childProcesses(server.pid)).filter((p) => p.name === "ffmpeg");

/** A camera producer on a fresh send transport (no DTLS, no RTP: a client that sends nothing). */
async function produceSilently(socket: Socket, ssrc: number) {
  const t = await request(socket, "createTransport", { direction: "send" });
  expect(t, JSON.stringify(t)).toMatchObject({ ok: true });
  return request(socket, "produce", {
    transportId: (t.data as { id: string }).id,
    kind: "video",
    rtpParameters: vp8CameraParameters(ssrc),
  });
}

test("a camera that sends nothing starts no ffmpeg, holds the one pipeline slot until the idle timeout, then frees it", async () => {
  const a = await open();
  const closed = new Promise<{ producerId: string; reason: string }>((resolve) =>
    a.once("pipelineClosed", resolve),
  );
  const first = await produceSilently(a, 1111);
  expect(first, JSON.stringify(first)).toMatchObject({ ok: true });
  await new Promise((r) => setTimeout(r, 1000));
  expect(await ffmpegs(), "no decoder or encoder before media arrives").toEqual([]);

  const b = await open();
  const refused = await produceSilently(b, 2222);
  expect(refused).toMatchObject({
    ok: false,
    code: "server-full",
    error: expect.stringMatching(/^server full/),
  });

  const event = await closed;
  expect(event).toEqual({ producerId: (first.data as { id: string }).id, reason: "no-media" });
  // The slot is free again: b's camera gets a pipeline now.
  const second = await request(b, "produce", {
    transportId: ((await request(b, "createTransport", { direction: "send" })).data as { id: string }).id,
    kind: "video",
    rtpParameters: vp8CameraParameters(3333),
  });
  expect(second, JSON.stringify(second)).toMatchObject({ ok: true });
}, 60_000);

test("WebRTC ports running out is 'server full', not a bare failure", async () => {
  await new Promise((r) => setTimeout(r, 500)); // the previous test's transports are closed
  const replies: Reply[] = [];
  // At most 4 transports per connection, so the fifth needs a second connection.
  for (const socket of [await open(), await open()]) {
    for (let i = 0; i < 4 && replies.every((r) => r.ok); i++)
      replies.push(await request(socket, "createTransport", { direction: "recv" }));
  }
  expect(
    replies.slice(0, 4).every((r) => r.ok),
    JSON.stringify(replies),
  ).toBe(true);
  expect(replies[4], JSON.stringify(replies)).toMatchObject({
    ok: false,
    code: "server-full",
    error: expect.stringMatching(/^server full: no free WebRTC port/),
  });
  closeAll();
}, 30_000);

test("connections beyond the cap are refused: 503 for a token, 'server full' at the handshake", async () => {
  await new Promise((r) => setTimeout(r, 500)); // the previous tests' sockets are gone
  const spare = await liveToken(server.url);
  const open3 = [await open(), await open(), await open()];
  const res = await fetch(`${server.url}/api/live/session`);
  expect(res.status).toBe(503);
  expect(((await res.json()) as { error: string }).error).toMatch(/^server full/);
  await expect(connectLive(server.url, spare)).rejects.toThrow(/^server full/);
  open3[0]?.close();
  await new Promise((r) => setTimeout(r, 500));
  await open(); // room again once one has left
}, 30_000);

test("a connection cannot consume another connection's producers", async () => {
  await new Promise((r) => setTimeout(r, 500));
  const owner = await open();
  const other = await open();
  await new Promise((r) => setTimeout(r, 2500)); // the earlier pipeline has ended
  const made = await produceSilently(owner, 4444);
  expect(made, JSON.stringify(made)).toMatchObject({ ok: true });
  const { id, sketchProducerId } = made.data as { id: string; sketchProducerId: string };
  const caps = (await request(other, "routerCapabilities", {})).data as { rtpCapabilities: unknown };
  const t = await request(other, "createTransport", { direction: "recv" });
  const transportId = (t.data as { id: string } | undefined)?.id ?? "none";
  for (const producerId of [id, sketchProducerId]) {
    const reply = await request(other, "consume", {
      transportId,
      producerId,
      rtpCapabilities: caps.rtpCapabilities,
    });
    expect(reply).toMatchObject({
      ok: false,
      code: "not-found",
      error: expect.stringMatching(/no producer/),
    });
  }
}, 30_000);

test("session tokens are rate-limited per address: 429 with Retry-After", async () => {
  let res = await fetch(`${server.url}/api/live/session`);
  for (let i = 0; i < 20 && res.status !== 429; i++) res = await fetch(`${server.url}/api/live/session`);
  expect(res.status).toBe(429);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(((await res.json()) as { error: string }).error).toMatch(/too many live sessions/);
  expect((await fetch(`${server.url}/healthz`)).ok).toBe(true);
});
