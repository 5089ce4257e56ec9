// The egress relay: a second encoder (new source port, new random sequence/timestamp/picture id)
// continues the first one's numbering, as viewers need; RTCP from encoders is not forwarded.
import { createSocket, type Socket } from "node:dgram";
import { afterEach, expect, test } from "vitest";
import { RtpContinuityRelay } from "../../server/egress/rtp-continuity-relay.js";
import { freeUdpPortPair } from "../../server/net/local-udp-port.js";

const open: { close(): void }[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function bound(port = 0): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    open.push(s);
    s.bind(port, "127.0.0.1", () => resolve(s));
  });
}

/** An RTP packet as ffmpeg's VP8 packetizer writes it: 15-bit picture id in the descriptor. */
function vp8Packet(seq: number, ts: number, pic: number): Buffer {
  const p = Buffer.alloc(12 + 4 + 10);
  p[0] = 0x80;
  p[1] = 101;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(ts, 4);
  p.writeUInt32BE(1234, 8);
  p[12] = 0x90; // X, S
  p[13] = 0x80; // I: picture id follows
  p.writeUInt16BE(0x8000 | pic, 14);
  return p;
}

test("a replacement encoder's packets continue the sequence, timestamps and picture ids", async () => {
  const mediasoup = await bound();
  const received: Buffer[] = [];
  mediasoup.on("message", (m) => received.push(m));
  const relay = await RtpContinuityRelay.start({
    port: mediasoup.address().port,
    fromPort: await freeUdpPortPair(),
  });
  open.push(relay);
  const send = (s: Socket, p: Buffer) => new Promise((r) => s.send(p, relay.inputPort, "127.0.0.1", r));

  const first = await bound();
  await send(first, vp8Packet(100, 9000, 5));
  await send(first, vp8Packet(101, 12000, 6));
  const rtcp = Buffer.alloc(28);
  rtcp[0] = 0x80;
  rtcp[1] = 200; // sender report
  await send(first, rtcp);
  const second = await bound();
  await send(second, vp8Packet(40000, 3_000_000_000, 0));
  await send(second, vp8Packet(40001, 3_000_003_000, 1));
  await new Promise((r) => setTimeout(r, 200));

  const seen = received.map((p) => [p.readUInt16BE(2), p.readUInt32BE(4), p.readUInt16BE(14) & 0x7fff]);
  expect(seen.length).toBe(4);
  expect(seen.map(([seq]) => seq)).toEqual([100, 101, 102, 103]);
  expect(seen.map(([, , pic]) => pic)).toEqual([5, 6, 7, 8]);
  const ts = seen.map(([, t]) => t as number);
  const gap = (ts[2] as number) - (ts[1] as number);
  expect(gap).toBeGreaterThan(0); // later, by the time that passed between the encoders
  expect(gap).toBeLessThan(90_000);
  expect((ts[3] as number) - (ts[2] as number)).toBe(3000);
});
