// The call protocol over a real server with raw socket.io clients: who is in a room, what they
// publish, what others may consume, and that leaving updates everyone at once. No browser: the
// cameras send no RTP (their sketch producers exist from `produce` on), which is all the signaling
// needs; test/client/call-page.test.ts covers real video in Chromium.
import type { Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { liveSockets, type Reply, request, vp8CameraParameters } from "../helpers/live-socket.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

let server: RunningServer;
const { open, closeAll } = liveSockets(() => server.url);

beforeAll(async () => {
  server = await startServer({ env: { SKETCHCAST_ROOM_MAX_PEERS: "3" } });
}, 120_000);

afterEach(closeAll);

afterAll(async () => {
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
});

/** The next `event` on `socket` (rejects after 5 s). */
function next<T>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 5 s`)), 5000);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

const opusParameters = {
  mid: "1",
  codecs: [{ mimeType: "audio/opus", payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc: 5555 }],
  rtcp: { cname: "test" },
};

async function produce(socket: Socket, kind: "video" | "audio"): Promise<Reply> {
  const t = await request(socket, "createTransport", { direction: "send" });
  const transportId = (t.data as { id: string }).id;
  const rtpParameters = kind === "video" ? vp8CameraParameters(4242) : opusParameters;
  return request(socket, "produce", { transportId, kind, rtpParameters });
}

test("joining, publishing and leaving reach everyone in the room, and only them", async () => {
  const alice = await open();
  const joined = await request(alice, "join", { room: "standup", name: "Alice" });
  expect(joined).toMatchObject({ ok: true, data: { room: "standup", peers: [], publications: [] } });
  expect((joined.data as { sketchSize: unknown }).sketchSize).toEqual({ width: 424, height: 240 });

  const bob = await open();
  const bobJoinedEvent = next<{ id: string; name: string }>(alice, "peerJoined");
  const bobJoined = await request(bob, "join", { room: "standup", name: "  Bob\u0007  " });
  const alicePeerId = (joined.data as { peerId: string }).peerId;
  expect(bobJoined.data).toMatchObject({ peers: [{ id: alicePeerId, name: "Alice" }] });
  expect(await bobJoinedEvent).toEqual({ id: (bobJoined.data as { peerId: string }).peerId, name: "Bob" });

  // Alice's camera and microphone are published to Bob; her camera as its sketch.
  const videoEvent = next<{ producerId: string; kind: string; peerId: string }>(bob, "published");
  const video = await produce(alice, "video");
  expect(video, JSON.stringify(video)).toMatchObject({ ok: true });
  const { sketchProducerId } = video.data as { sketchProducerId: string };
  expect(await videoEvent).toEqual({
    peerId: alicePeerId,
    producerId: sketchProducerId,
    kind: "video",
    paused: false,
  });
  const audioEvent = next<{ kind: string }>(bob, "published");
  const audio = await produce(alice, "audio");
  expect(audio, JSON.stringify(audio)).toMatchObject({ ok: true, data: { id: expect.any(String) } });
  expect(await audioEvent).toMatchObject({ kind: "audio" });

  // Bob may consume them; a preview connection (a private room) may not.
  const caps = ((await request(bob, "routerCapabilities", {})).data as { rtpCapabilities: unknown })
    .rtpCapabilities;
  const recv = ((await request(bob, "createTransport", { direction: "recv" })).data as { id: string }).id;
  const consumed = await request(bob, "consume", {
    transportId: recv,
    producerId: sketchProducerId,
    rtpCapabilities: caps,
  });
  expect(consumed, JSON.stringify(consumed)).toMatchObject({ ok: true, data: { kind: "video" } });
  const outsider = await open();
  const oCaps = ((await request(outsider, "routerCapabilities", {})).data as { rtpCapabilities: unknown })
    .rtpCapabilities;
  const oRecv = ((await request(outsider, "createTransport", { direction: "recv" })).data as { id: string })
    .id;
  const refused = await request(outsider, "consume", {
    transportId: oRecv,
    producerId: sketchProducerId,
    rtpCapabilities: oCaps,
  });
  expect(refused).toMatchObject({ ok: false, code: "not-found" });

  // Camera off: Bob hears of it.
  const paused = next<{ paused: boolean; producerId: string }>(bob, "publicationPaused");
  expect(
    await request(alice, "pause", { kind: "producer", id: (video.data as { id: string }).id }),
  ).toMatchObject({ ok: true });
  expect(await paused).toEqual({ peerId: alicePeerId, producerId: sketchProducerId, paused: true });

  // Alice leaves: her streams and her tile go at once.
  const gone = next<{ peerId: string }>(bob, "peerLeft");
  const unpublished = next<{ producerId: string }>(bob, "unpublished");
  alice.close();
  expect(await gone).toEqual({ peerId: alicePeerId });
  expect((await unpublished).producerId).toBeTypeOf("string");
}, 60_000);

test("a room takes --room-max-peers participants; bad names are refused", async () => {
  const replies: Reply[] = [];
  for (let i = 0; i < 4; i++)
    replies.push(await request(await open(), "join", { room: "full-room", name: `P${i}` }));
  expect(replies.slice(0, 3).every((r) => r.ok)).toBe(true);
  expect(replies[3]).toMatchObject({
    ok: false,
    code: "room-full",
    error: expect.stringMatching(/^room full/),
  });
  const bad = await request(await open(), "join", { room: "no spaces!", name: "X" });
  expect(bad).toMatchObject({ ok: false, code: "invalid-request" });
  const again = await open();
  expect(await request(again, "join", { room: "r2" })).toMatchObject({ ok: true });
  expect(await request(again, "join", { room: "r3" })).toMatchObject({
    ok: false,
    error: expect.stringMatching(/already in a room/),
  });
}, 30_000);
