// The WebSocket frame API on a real server with a real `ws` client: raw RGB, PNG and JPEG frames in,
// sketches (gray or PNG) of the same size out, temporal state per connection, the latest-wins slot,
// bad input answered with errors on a socket that keeps working, and the Origin and size limits.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { colorize } from "../../server/engine/colorize.js";
import { spawnFfmpeg } from "../../server/ffmpeg/ffmpeg.js";
import { encodeFrame, type FrameHeader } from "../../server/frames/frame-protocol.js";
import { connectFrames, nextSketch, nextText, terminateFrameSockets } from "../helpers/frame-socket.js";
import { lavfiFrames } from "../helpers/frames.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

const W = 320;
const H = 180;
const maxConnections = 4;
const perAddress = 3;
const maxMessageBytes = 1 << 20;
let server: RunningServer;
let clip: Uint8Array[];
let png0: Uint8Array;
let jpeg0: Uint8Array;

const connect = (origin?: string, from?: string) => connectFrames(server.url, origin, from);
const sketch = nextSketch;
const text = nextText;

/** Runs ffmpeg on `input` (stdin) and returns its stdout. */
async function ffmpeg(args: string[], input: Uint8Array): Promise<Uint8Array> {
  const ff = spawnFfmpeg(args, { name: "test" });
  const out: Buffer[] = [];
  ff.stdout.on("data", (c: Buffer) => out.push(c));
  ff.stdin.end(input);
  await ff.wait();
  return new Uint8Array(Buffer.concat(out));
}

const fromRgb = (codec: string, frame: Uint8Array) =>
  ffmpeg(
    [
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-s",
      `${W}x${H}`,
      "-i",
      "pipe:0",
      "-c:v",
      codec,
      "-f",
      "image2pipe",
      "pipe:1",
    ],
    frame,
  );
const pngTo = (pixFmt: "gray" | "rgb24", png: Uint8Array) =>
  ffmpeg(["-f", "png_pipe", "-i", "pipe:0", "-f", "rawvideo", "-pix_fmt", pixFmt, "pipe:1"], png);

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) =>
  a.reduce((n, v, i) => n + Math.abs(v - (b[i] as number)), 0) / a.length;
const differing = (a: Uint8Array, b: Uint8Array) =>
  a.reduce((n, v, i) => n + (v !== b[i] ? 1 : 0), 0) / a.length;

beforeAll(async () => {
  [server, clip] = await Promise.all([
    startServer({
      env: {
        SKETCHCAST_FRAMES_MAX_CONNECTIONS: String(maxConnections),
        SKETCHCAST_FRAMES_CONNECTIONS_PER_ADDRESS: String(perAddress),
        SKETCHCAST_FRAMES_MAX_MESSAGE_BYTES: String(maxMessageBytes),
      },
    }),
    lavfiFrames("testsrc2", W, H, 2),
  ]);
  png0 = await fromRgb("png", clip[0] as Uint8Array);
  jpeg0 = await fromRgb("mjpeg", clip[0] as Uint8Array);
}, 120_000);

afterEach(async () => {
  terminateFrameSockets();
  await new Promise((r) => setTimeout(r, 200)); // the server sees the sockets go
});

afterAll(async () => {
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
});

describe("frames in, sketches out", () => {
  test("raw RGB, PNG and JPEG pictures come back as sketches of their size, gray or PNG", async () => {
    const c = await connect();
    c.send({ type: "controls", temporal: false, reply: "gray" });
    expect(await text(c)).toEqual({
      type: "controls",
      controls: { style: "pencil", detail: 0.5, temporal: false },
      reply: "gray",
    });

    c.frame({ format: "rgb24", id: 1, width: W, height: H }, clip[0] as Uint8Array);
    const raw = await sketch(c);
    expect(raw.header).toEqual({ format: "gray", reply: undefined, id: 1, width: W, height: H });
    expect(raw.payload).toHaveLength(W * H);
    // A sketch, not a blank or the input: mostly paper, with some dark lines.
    const dark = raw.payload.filter((v) => v < 128).length / raw.payload.length;
    expect(dark).toBeGreaterThan(0.005);
    expect(dark).toBeLessThan(0.5);

    // PNG is lossless: with temporal off the same picture draws the same sketch.
    c.frame({ format: "png", id: 2 }, png0);
    const fromPng = await sketch(c);
    expect(fromPng.header).toMatchObject({ format: "gray", id: 2, width: W, height: H });
    expect(fromPng.payload).toEqual(raw.payload);

    c.frame({ format: "jpeg", id: 3 }, jpeg0);
    const fromJpeg = await sketch(c);
    expect(fromJpeg.header).toMatchObject({ format: "gray", id: 3, width: W, height: H });
    // Lossy: the same drawing give or take a few levels here and there.
    const jpegMad = meanAbsDiff(fromJpeg.payload, raw.payload);
    console.log(`JPEG vs raw input: sketches differ by ${jpegMad.toFixed(2)} levels on average`);
    expect(jpegMad).toBeLessThan(2);

    // The header's reply byte overrides the connection's format for one frame: a gray PNG.
    c.frame({ format: "rgb24", reply: "png", id: 4, width: W, height: H }, clip[0] as Uint8Array);
    const png = await sketch(c);
    expect(png.header).toMatchObject({ format: "png", id: 4, width: W, height: H });
    const ihdr = Buffer.from(png.payload.subarray(16, 24));
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)]).toEqual([W, H]);
    expect(await pngTo("gray", png.payload)).toEqual(raw.payload);
  }, 60_000);

  test("colored pencil comes back as RGB: the pencil drawing coloured by the picture", async () => {
    const c = await connect();
    c.send({ type: "controls", temporal: false, reply: "gray" });
    await text(c);
    c.frame({ format: "rgb24", id: 1, width: W, height: H }, clip[0] as Uint8Array);
    const pencil = await sketch(c);
    c.send({ type: "controls", style: "colored" });
    await text(c);
    c.frame({ format: "rgb24", id: 2, width: W, height: H }, clip[0] as Uint8Array);
    const raw = await sketch(c);
    expect(raw.header).toMatchObject({ format: "rgb24", id: 2, width: W, height: H });
    expect(Buffer.compare(raw.payload, colorize(pencil.payload, clip[0] as Uint8Array, W, H))).toBe(0);
    c.frame({ format: "rgb24", reply: "png", id: 3, width: W, height: H }, clip[0] as Uint8Array);
    const png = await sketch(c);
    expect(png.header).toMatchObject({ format: "png", id: 3 });
    expect(png.payload[25], "PNG colour type: RGB").toBe(2);
    expect(await pngTo("rgb24", png.payload)).toEqual(raw.payload);
  }, 30_000);

  test("the reply is a PNG unless the client asks for gray", async () => {
    const c = await connect();
    c.frame({ format: "rgb24", id: 9, width: W, height: H }, clip[0] as Uint8Array);
    const r = await sketch(c);
    expect(r.header).toMatchObject({ format: "png", id: 9, width: W, height: H });
    expect(Array.from(r.payload.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
  }, 30_000);
});

test("temporal state is kept per connection and dropped by reset", async () => {
  const [f0, f1] = clip as [Uint8Array, Uint8Array];
  const gray = { type: "controls", reply: "gray" } as const;
  const a = await connect();
  const b = await connect();
  const c = await connect();
  for (const x of [a, b, c]) {
    x.send(gray);
    await text(x);
  }
  // a draws f0 then f1; b draws f1 as its first frame, between a's two frames.
  a.frame({ format: "rgb24", id: 1, width: W, height: H }, f0);
  await sketch(a);
  b.frame({ format: "rgb24", id: 1, width: W, height: H }, f1);
  const bFirst = (await sketch(b)).payload;
  a.frame({ format: "rgb24", id: 2, width: W, height: H }, f1);
  const aSecond = (await sketch(a)).payload;
  // a's f1 is conditioned on its own drawing of f0; without state kept it would equal b's.
  expect(differing(aSecond, bFirst)).toBeGreaterThan(0.001);

  // c draws f0, resets, then f1: a first frame again, the same as b's (b saw nothing of a).
  c.frame({ format: "rgb24", id: 1, width: W, height: H }, f0);
  await sketch(c);
  c.send({ type: "controls", reset: true });
  await text(c);
  c.frame({ format: "rgb24", id: 2, width: W, height: H }, f1);
  expect((await sketch(c)).payload).toEqual(bFirst);
}, 60_000);

test("one frame at a time: a newer frame replaces the waiting one, the newest is always drawn", async () => {
  const c = await connect();
  c.send({ type: "controls", reply: "gray" });
  await text(c);
  const n = 6;
  for (let id = 1; id <= n; id++)
    c.frame({ format: "rgb24", id, width: W, height: H }, clip[id % 2] as Uint8Array);
  const drawn: number[] = [];
  const dropped: number[] = [];
  while (drawn.length + dropped.length < n) {
    const r = await c.next();
    if (r.kind === "frame") drawn.push(r.header.id);
    else if (r.message.type === "dropped") dropped.push(r.message.id);
    else throw new Error(JSON.stringify(r.message));
  }
  console.log(`latest wins: drawn ${drawn.join(",")}; dropped ${dropped.join(",")}`);
  expect([...drawn, ...dropped].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  // The first is drawn at once; the others arrive while it runs and replace each other in the one
  // waiting place (an unbounded queue would draw them all), and the newest is never the one dropped.
  expect(drawn[0]).toBe(1);
  expect(drawn.at(-1)).toBe(n);
  expect(dropped.length).toBeGreaterThan(0);
  expect(drawn).toEqual([...drawn].sort((x, y) => x - y));
}, 60_000);

test("garbage, wrong sizes, oversized frames and bad JSON get errors; the socket keeps working", async () => {
  const c = await connect();
  c.send({ type: "controls", reply: "gray" });
  await text(c);
  const header = (h: Partial<FrameHeader>, payload: Uint8Array) =>
    c.frame({ format: "rgb24", id: 7, width: W, height: H, ...h }, payload);
  const expectError = async (code: string, error: RegExp) =>
    expect(await text(c)).toMatchObject({ type: "error", code, error: expect.stringMatching(error) });

  c.ws.send(Buffer.from("\xab\xcd garbage bytes that are no frame at all", "latin1"));
  await expectError("bad-header", /unknown header version/);
  c.ws.send(Buffer.from([1, 2]));
  await expectError("bad-header", /16-byte header/);
  c.ws.send(encodeFrame({ format: "rgb24", id: 1, width: 1, height: 1 }, new Uint8Array(3)).fill(9, 1, 2));
  await expectError("bad-header", /unknown frame format 9/);
  header({ format: "png" }, new Uint8Array(500).fill(0x41));
  await expectError("bad-frame", /not a PNG/);
  // A PNG signature in front of garbage gets as far as ffmpeg, which fails.
  header({ format: "png" }, new Uint8Array([...png0.subarray(0, 8), ...new Uint8Array(400).fill(7)]));
  await expectError("bad-frame", /cannot decode the PNG/);
  header({ format: "jpeg" }, png0);
  await expectError("bad-frame", /not a JPEG/);
  header({}, (clip[0] as Uint8Array).subarray(0, W * H * 3 - 1));
  await expectError("bad-frame", /rgb24 frame is 172800 bytes after the header; got 172799/);
  header({ width: 10_000, height: 100 }, new Uint8Array(30));
  await expectError("frame-size", /maximum is 8192 px a side/);
  header({ width: 0, height: 100 }, new Uint8Array(0));
  await expectError("frame-size", /not a positive integer size/);
  c.send("{not json");
  await expectError("bad-message", /must be JSON/);
  c.send(JSON.stringify({ type: "controls", detail: 3 }));
  await expectError("bad-message", /^detail: /);
  c.send(JSON.stringify({ type: "controls", style: "crayon" }));
  await expectError("bad-message", /^style: /);
  c.send(JSON.stringify({ type: "launch" }));
  await expectError("bad-message", /./);

  header({ id: 8 }, clip[0] as Uint8Array);
  expect((await sketch(c)).header).toMatchObject({ format: "gray", id: 8, width: W, height: H });
  expect((await fetch(`${server.url}/healthz`)).ok).toBe(true);
}, 60_000);

test("a message above frames.maxMessageBytes closes that socket with 1009, not others", async () => {
  const big = await connect();
  const other = await connect();
  big.ws.send(new Uint8Array(maxMessageBytes + 1));
  expect(await big.closed).toBe(1009);
  other.frame({ format: "rgb24", id: 1, width: W, height: H }, clip[0] as Uint8Array);
  expect((await sketch(other)).header).toMatchObject({ format: "png", id: 1 });
}, 30_000);

test("a cross-site Origin is refused, the page's own is not, and connections are capped", async () => {
  const refused = (origin?: string, from?: string) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/frames`, {
        ...(origin ? { origin } : {}),
        ...(from ? { localAddress: from } : {}),
      });
      ws.on("error", () => {}); // terminate() below aborts the handshake with one
      ws.once("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once("open", () => reject(new Error("the socket opened")));
    });
  expect(await refused("https://evil.example")).toBe(403);
  const same = await connect(server.url);
  expect(same.ws.readyState).toBe(WebSocket.OPEN);

  // frames.connectionsPerAddress from one address, then frames.maxConnections in all
  for (let i = 1; i < perAddress; i++) await connect();
  expect(await refused()).toBe(503);
  for (let i = perAddress; i < maxConnections; i++) await connect(undefined, "127.0.0.2");
  expect(await refused(undefined, "127.0.0.3")).toBe(503);
  same.ws.close();
  await same.closed;
  await new Promise((r) => setTimeout(r, 200));
  await connect(); // a slot is free again
  expect((await fetch(`${server.url}/api/frames`)).status).toBe(426);
}, 30_000);

test("socket.io's own WebSocket upgrades still work beside the frame API", async () => {
  const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
  try {
    const first = await new Promise<string>((resolve, reject) => {
      ws.once("message", (data: Buffer) => resolve(data.toString("utf8")));
      ws.once("error", reject);
    });
    expect(first).toMatch(/^0\{"sid":/); // engine.io's open packet
  } finally {
    ws.terminate();
  }
}, 30_000);
