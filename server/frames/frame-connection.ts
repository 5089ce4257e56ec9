// One `/api/frames` socket: its own SketchStream (temporal state), its controls and reply format,
// and a latest-wins slot: one frame is decoded and drawn at a time, one more may wait, and a newer
// frame replaces the waiting one (the client is told it was dropped). Nothing a client sends ends
// the socket; refusals are error messages.
import type { RawData, WebSocket } from "ws";
import type { RgbFrame } from "../decode/ppm-frame-reader.js";
import { FrameSizeError, frameSizeProblem, isColorDrawing, type SketchStream } from "../engine/index.js";
import type { Logger } from "../log.js";
import { encodeDrawingPng } from "./drawing-png.js";
import {
  clientMessage,
  decodeFrame,
  type ErrorCode,
  encodeFrame,
  type FrameHeader,
  type ReplyFormat,
  type ServerMessage,
} from "./frame-protocol.js";
import { decodeImage, ImageDecodeError } from "./image-decode.js";

interface PendingFrame {
  header: FrameHeader;
  payload: Uint8Array;
}

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class FrameConnection {
  private reply: ReplyFormat = "png";
  private running = false;
  private waiting: PendingFrame | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly ws: WebSocket,
    private readonly stream: SketchStream,
    private readonly log: Logger,
  ) {
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.once("close", () => this.close());
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    const answer = isBinary ? this.onFrame(bytes) : this.onText(bytes.toString("utf8"));
    if (answer) this.send(answer);
  }

  /** Starts drawing the frame, or puts it in the waiting place; returns what to answer now. */
  private onFrame(bytes: Buffer): ServerMessage | undefined {
    let frame: PendingFrame;
    try {
      frame = decodeFrame(bytes);
    } catch (err) {
      return { type: "error", code: "bad-header", error: (err as Error).message };
    }
    if (frame.header.format === "gray") {
      const error = "gray is a reply format; send rgb24 (1), PNG (2) or JPEG (3)";
      return { type: "error", code: "bad-header", error, id: frame.header.id };
    }
    if (!this.running) {
      void this.run(frame);
      return undefined;
    }
    const replaced = this.waiting;
    this.waiting = frame;
    return replaced && { type: "dropped", id: replaced.header.id };
  }

  /** Applies a controls message; returns the acknowledgement or the error. */
  private onText(text: string): ServerMessage {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { type: "error", code: "bad-message", error: "a text message must be JSON" };
    }
    const parsed = clientMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      return { type: "error", code: "bad-message", error: `${where}${issue?.message ?? "invalid"}` };
    }
    const { type: _type, reply, reset, ...controls } = parsed.data;
    const given = Object.entries(controls).filter(([, v]) => v !== undefined);
    this.stream.controls = { ...this.stream.controls, ...Object.fromEntries(given) };
    if (reply) this.reply = reply;
    if (reset) this.stream.reset();
    return { type: "controls", controls: { ...this.stream.controls }, reply: this.reply };
  }

  /** Draws `frame`, then whatever waits behind it, one at a time. */
  private async run(first: PendingFrame): Promise<void> {
    this.running = true;
    let frame: PendingFrame | undefined = first;
    try {
      while (frame && !this.abort.signal.aborted) {
        await this.draw(frame);
        frame = this.waiting;
        this.waiting = undefined;
      }
    } finally {
      this.running = false;
    }
  }

  private async draw({ header, payload }: PendingFrame): Promise<void> {
    const { id } = header;
    try {
      const picture = await this.picture(header, payload);
      const sketch = await this.stream.process(picture.data, picture.width, picture.height);
      const reply = header.reply ?? this.reply;
      const png = reply === "png";
      const body = png ? await encodeDrawingPng(sketch, picture.width, picture.height) : sketch;
      // Raw colored pencil is rgb24, said by the reply's format.
      const color = isColorDrawing(sketch, picture.width, picture.height);
      const format = png ? "png" : color ? "rgb24" : "gray";
      // Waits until the reply is handed to the socket: a client that does not read holds up its own
      // next frame, not the server's memory.
      await this.sendBinary(encodeFrame({ format, id, width: picture.width, height: picture.height }, body));
    } catch (err) {
      if (this.abort.signal.aborted) return;
      if (err instanceof Refusal) return this.send({ type: "error", code: err.code, error: err.message, id });
      if (err instanceof ImageDecodeError)
        return this.send({ type: "error", code: "bad-frame", error: err.message, id });
      if (err instanceof FrameSizeError)
        return this.send({ type: "error", code: "frame-size", error: err.message, id });
      this.log.warn({ err, id }, "frame failed");
      this.send({ type: "error", code: "failed", error: (err as Error).message, id });
    }
  }

  private async picture(header: FrameHeader, payload: Uint8Array): Promise<RgbFrame> {
    if (header.format === "png" || header.format === "jpeg")
      return decodeImage(header.format, payload, this.abort.signal);
    const { width, height } = header;
    const problem = frameSizeProblem(width, height);
    if (problem) throw new Refusal("frame-size", problem);
    if (payload.length !== width * height * 3) {
      throw new Refusal(
        "bad-frame",
        `a ${width}x${height} rgb24 frame is ${width * height * 3} bytes after the header; got ${payload.length}`,
      );
    }
    return { data: payload, width, height };
  }

  private send(message: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  private sendBinary(data: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState !== this.ws.OPEN) return resolve();
      this.ws.send(data, { binary: true }, () => resolve());
    });
  }

  /** Ends the decode in flight and frees the stream's temporal state. Idempotent. */
  close(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    this.waiting = undefined;
    this.stream.close();
  }
}
