import { createSocket, type RemoteInfo, type Socket } from "node:dgram";

/** Where the rewritten RTP goes: the sketch PlainTransport, connected to `fromPort`. */
export interface RelayTarget {
  /** The PlainTransport's port. */
  port: number;
  /** The relay's sending port (the transport's connected tuple). */
  fromPort: number;
}

const rtpClock = 90_000;

/**
 * Forwards the VP8 encoder's RTP to mediasoup, rewriting sequence number, timestamp and VP8 picture
 * id so that a replacement encoder (crash, new frame size) continues the stream instead of starting
 * a new one: ffmpeg picks a random timestamp base and restarts picture ids, which browsers take for
 * old frames and drop, and mediasoup 3.8 passes timestamps through unchanged. Encoders' RTCP is
 * dropped (its timestamps would not match). A packet costs a few µs on the main thread; while the
 * model runs, packets wait in the socket buffer.
 */
export class RtpContinuityRelay {
  private source: string | undefined;
  private seqOffset = 0;
  private tsOffset = 0;
  private picOffset = 0;
  private last = { seq: -1, ts: 0, pic: 0, at: 0 };

  private constructor(
    private readonly input: Socket,
    private readonly output: Socket,
    private readonly target: RelayTarget,
  ) {
    input.on("message", (packet, from) => this.forward(packet, from));
    output.on("message", () => {}); // mediasoup's RTCP to the encoder: ffmpeg ignores it anyway
  }

  /** Binds the input (a free loopback port, see `inputPort`) and the output socket. */
  static async start(target: RelayTarget): Promise<RtpContinuityRelay> {
    const bind = (port: number) =>
      new Promise<Socket>((resolve, reject) => {
        const s = createSocket("udp4");
        s.once("error", reject);
        s.bind(port, "127.0.0.1", () => resolve(s));
      });
    const input = await bind(0);
    const output = await bind(target.fromPort).catch((err: unknown) => {
      input.close();
      throw err;
    });
    return new RtpContinuityRelay(input, output, target);
  }

  /** Where encoders send their RTP. */
  get inputPort(): number {
    return this.input.address().port;
  }

  close(): void {
    this.input.close();
    this.output.close();
  }

  private forward(p: Buffer, from: RemoteInfo): void {
    const pt = (p[1] ?? 0) & 0x7f;
    if (p.length < 12 || (pt >= 72 && pt <= 76)) return; // short, or RTCP (types 200-204)
    const seq = p.readUInt16BE(2);
    const ts = p.readUInt32BE(4);
    const picAt = this.pictureIdOffset(p);
    const pic = picAt > 0 ? this.readPictureId(p, picAt) : 0;
    const source = `${from.port}`;
    if (source !== this.source) this.continueFrom(source, seq, ts, pic);
    const out = {
      seq: (seq + this.seqOffset) & 0xffff,
      ts: (ts + this.tsOffset) >>> 0,
      pic: (pic + this.picOffset) & 0x7fff,
    };
    p.writeUInt16BE(out.seq, 2);
    p.writeUInt32BE(out.ts, 4);
    if (picAt > 0) this.writePictureId(p, picAt, out.pic);
    this.last = { ...out, at: performance.now() };
    this.output.send(p, this.target.port, "127.0.0.1");
  }

  /** Offsets that make a new encoder's first packet follow the last one forwarded. */
  private continueFrom(source: string, seq: number, ts: number, pic: number): void {
    this.source = source;
    if (this.last.seq < 0) return;
    const elapsed = Math.max(1, Math.round(((performance.now() - this.last.at) * rtpClock) / 1000));
    this.seqOffset = (this.last.seq + 1 - seq) & 0xffff;
    this.tsOffset = (this.last.ts + elapsed - ts) >>> 0;
    this.picOffset = (this.last.pic + 1 - pic) & 0x7fff;
  }

  /** Offset of the VP8 payload descriptor's PictureID, or 0 when the packet has none. */
  private pictureIdOffset(p: Buffer): number {
    const csrcs = (p[0] as number) & 0x0f;
    let at = 12 + 4 * csrcs;
    if ((p[0] as number) & 0x10) at += 4 + 4 * p.readUInt16BE(at + 2); // header extension
    if (p.length < at + 4) return 0;
    const x = (p[at] as number) & 0x80;
    const i = (p[at + 1] as number) & 0x80;
    return x && i ? at + 2 : 0;
  }

  private readPictureId(p: Buffer, at: number): number {
    const b = p[at] as number;
    return b & 0x80 ? p.readUInt16BE(at) & 0x7fff : b & 0x7f;
  }

  /** Keeps the id's width (7 or 15 bits) as the encoder wrote it. */
  private writePictureId(p: Buffer, at: number, pic: number): void {
    if ((p[at] as number) & 0x80) p.writeUInt16BE(0x8000 | pic, at);
    else p[at] = pic & 0x7f;
  }
}
