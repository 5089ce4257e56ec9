// The /live signaling rejects what it cannot use with an error ack, and the server stays up.
import { afterAll, beforeAll, expect, test } from "vitest";
import { connectLive, request } from "../helpers/live-socket.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
});

const connect = (token?: string) => connectLive(server.url, token);

test("a connection needs a fresh session token", async () => {
  await expect(connect("not-a-token")).rejects.toThrow(/token/);
  const { token } = (await (await fetch(`${server.url}/api/live/session`)).json()) as { token: string };
  (await connect(token)).close();
  await expect(connect(token), "tokens are single-use").rejects.toThrow(/token/);
});

test("malformed payloads get error acks and the server stays up", async () => {
  const socket = await connect();
  const bad: [string, unknown][] = [
    ["createTransport", { direction: "sideways" }],
    ["createTransport", "send"],
    ["createTransport", null],
    ["createTransport", [1, 2, 3]],
    ["connectTransport", { transportId: "x" }],
    ["connectTransport", { transportId: "x".repeat(10_000), dtlsParameters: { fingerprints: [] } }],
    ["produce", { transportId: "x", kind: "audio", rtpParameters: { codecs: [] } }],
    ["produce", { transportId: "x", kind: "video", rtpParameters: { codecs: [{ mimeType: 5 }] } }],
    ["consume", { transportId: 1, producerId: {}, rtpCapabilities: "all" }],
    ["pause", { kind: "everything", id: "x" }],
    ["setControls", { producerId: "x", controls: { style: "crayon" } }],
    ["setControls", { producerId: "x", controls: { detail: 7 } }],
    ["setControls", { producerId: "x", controls: { detail: 0.5, extra: true } }],
  ];
  for (const [event, payload] of bad) {
    const reply = await request(socket, event, payload);
    expect(reply.ok, `${event} ${JSON.stringify(payload).slice(0, 80)}`).toBe(false);
    expect(reply.error).toMatch(new RegExp(`^invalid ${event}`));
    expect(reply.code).toBe("invalid-request");
  }
  // Well-formed but naming things that do not exist: an error ack from the handler.
  const unknown = await request(socket, "connectTransport", {
    transportId: "nope",
    dtlsParameters: { fingerprints: [{ algorithm: "sha-256", value: "00" }] },
  });
  expect(unknown).toMatchObject({
    ok: false,
    error: expect.stringMatching(/no transport nope/),
    code: "not-found",
  });
  // No ack function, unknown events, binary junk: ignored, no crash.
  socket.emit("createTransport", { direction: "sideways" });
  socket.emit("noSuchEvent", { a: 1 });
  socket.emit("produce", Buffer.alloc(1024));

  const caps = await request(socket, "routerCapabilities", {});
  expect(caps.ok).toBe(true);
  const transport = await request(socket, "createTransport", { direction: "send" });
  expect(transport).toMatchObject({ ok: true, data: { id: expect.any(String) } });
  socket.close();
  expect((await fetch(`${server.url}/healthz`)).ok).toBe(true);
});
