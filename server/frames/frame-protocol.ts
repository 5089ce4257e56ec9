/**
 * The wire format of `GET /api/frames` (a WebSocket), shared by the server and any client.
 *
 * Binary messages carry pictures, each behind a 16-byte header (big-endian, Python `">BBBBIII"`):
 *
 *   offset 0  u8   version, 1
 *   offset 1  u8   format: 1 raw RGB (rgb24, row-major, no padding), 2 PNG, 3 JPEG; replies: 2 PNG,
 *                  4 raw gray, 1 raw RGB (a colored pencil drawing asked for raw)
 *   offset 2  u8   client → server: the reply's format, 0 = the connection's (PNG unless a controls
 *                  message chose gray), 2 PNG, 4 raw (gray, or RGB for colored pencil); server → client: 0
 *   offset 3  u8   0
 *   offset 4  u32  frame id: any number the client picks; the reply and any error carry it
 *   offset 8  u32  width  } raw RGB: the picture's size (width*height*3 bytes must follow);
 *   offset 12 u32  height } PNG/JPEG: ignored (send 0); replies: the sketch's size
 *
 * The sketch comes back in the same framing: format 2 (a PNG: gray, or RGB for colored pencil) or 4
 * (width*height bytes, 0 = black … 255 = paper), the same size as the picture; style "colored" asked
 * for raw comes back as format 1 (width*height*3 bytes, paper 255,255,255).
 *
 * Text messages are JSON. Client → server: {"type":"controls", style?, detail?, temporal?, reply?,
 * reset?}, answered with {"type":"controls", controls, reply} (the connection's settings now).
 * Server → client also: {"type":"error", code, error, id?} for anything refused (the socket stays
 * open), and {"type":"dropped", id} when a frame waiting behind the one being drawn was replaced
 * by a newer one. One frame is drawn at a time per connection; at most one more waits.
 */
import { z } from "zod";
import { controlsPatch, type SketchControls } from "../engine/controls.js";

export const framesPath = "/api/frames";
export const protocolVersion = 1;
export const headerBytes = 16;

export const frameFormat = { rgb24: 1, png: 2, jpeg: 3, gray: 4 } as const;
export type InputFormat = "rgb24" | "png" | "jpeg";
export type ReplyFormat = "png" | "gray";

export interface FrameHeader {
  format: InputFormat | ReplyFormat;
  /** Client → server: undefined = the connection's reply format. */
  reply?: ReplyFormat;
  id: number;
  width: number;
  height: number;
}

const formatByCode = new Map<number, FrameHeader["format"]>(
  Object.entries(frameFormat).map(([name, code]) => [code, name as FrameHeader["format"]]),
);

/** The 16 header bytes followed by `payload`. */
export function encodeFrame(header: FrameHeader, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(headerBytes + payload.length);
  out.writeUInt8(protocolVersion, 0);
  out.writeUInt8(frameFormat[header.format], 1);
  out.writeUInt8(header.reply ? frameFormat[header.reply] : 0, 2);
  out.writeUInt32BE(header.id >>> 0, 4);
  out.writeUInt32BE(header.width >>> 0, 8);
  out.writeUInt32BE(header.height >>> 0, 12);
  out.set(payload, headerBytes);
  return out;
}

/** Splits a binary message into its header and payload; throws a RangeError saying what is wrong. */
export function decodeFrame(message: Uint8Array): { header: FrameHeader; payload: Uint8Array } {
  if (message.length < headerBytes)
    throw new RangeError(
      `a frame message starts with a ${headerBytes}-byte header; got ${message.length} bytes`,
    );
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const version = view.getUint8(0);
  if (version !== protocolVersion)
    throw new RangeError(`unknown header version ${version}: expected ${protocolVersion}`);
  const format = formatByCode.get(view.getUint8(1));
  if (!format) throw new RangeError(`unknown frame format ${view.getUint8(1)}`);
  const replyCode = view.getUint8(2);
  const reply = replyCode === 0 ? undefined : formatByCode.get(replyCode);
  if (replyCode !== 0 && reply !== "png" && reply !== "gray")
    throw new RangeError(`unknown reply format ${replyCode}: expected 0, 2 (PNG) or 4 (gray)`);
  return {
    header: {
      format,
      reply: reply as ReplyFormat | undefined,
      id: view.getUint32(4),
      width: view.getUint32(8),
      height: view.getUint32(12),
    },
    payload: message.subarray(headerBytes),
  };
}

/** Client → server text messages. The controls are the live side's schema (one per concept). */
export const clientMessage = z.discriminatedUnion("type", [
  controlsPatch.extend({
    type: z.literal("controls"),
    reply: z.enum(["png", "gray"]).optional(),
    /** Drop the temporal state: the next frame is drawn as a first frame. */
    reset: z.boolean().optional(),
  }),
]);
export type ClientMessage = z.input<typeof clientMessage>;

export type ErrorCode = "bad-header" | "bad-frame" | "frame-size" | "bad-message" | "failed";

export type ServerMessage =
  | { type: "controls"; controls: SketchControls; reply: ReplyFormat }
  | { type: "error"; code: ErrorCode; error: string; id?: number }
  | { type: "dropped"; id: number };
