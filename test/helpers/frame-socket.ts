// A `ws` client of the WebSocket frame API (/api/frames): messages in arrival order, text parsed,
// binary frames decoded; every socket it opens is remembered so a test can end them all.
import WebSocket from "ws";
import {
  type ClientMessage,
  decodeFrame,
  encodeFrame,
  type FrameHeader,
  type ServerMessage,
} from "../../server/frames/frame-protocol.js";

export type Received =
  | { kind: "text"; message: ServerMessage }
  | { kind: "frame"; header: FrameHeader; payload: Uint8Array };

export interface FrameClient {
  ws: WebSocket;
  next(timeoutMs?: number): Promise<Received>;
  send(message: ClientMessage | string): void;
  frame(header: Omit<FrameHeader, "width" | "height"> & Partial<FrameHeader>, payload: Uint8Array): void;
  closed: Promise<number>;
}

const open: WebSocket[] = [];

/** Ends every socket opened so far. */
export function terminateFrameSockets(): void {
  for (const ws of open.splice(0)) ws.terminate();
}

/** `from`: the client's own address (any 127.x reaches the loopback server), to test per-address limits. */
export async function connectFrames(baseUrl: string, origin?: string, from?: string): Promise<FrameClient> {
  const ws = new WebSocket(`${baseUrl.replace("http", "ws")}/api/frames`, {
    ...(origin ? { origin } : {}),
    ...(from ? { localAddress: from } : {}),
  });
  open.push(ws);
  const inbox: Received[] = [];
  const waiters: ((r: Received) => void)[] = [];
  ws.on("message", (data: Buffer, isBinary) => {
    const r: Received = isBinary
      ? { kind: "frame", ...decodeFrame(new Uint8Array(data)) }
      : { kind: "text", message: JSON.parse(data.toString("utf8")) as ServerMessage };
    const w = waiters.shift();
    if (w) w(r);
    else inbox.push(r);
  });
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    ws,
    closed,
    next: (timeoutMs = 30_000) => {
      const r = inbox.shift();
      if (r) return Promise.resolve(r);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("no message from the server")), timeoutMs);
        waiters.push((m) => {
          clearTimeout(t);
          resolve(m);
        });
      });
    },
    send: (m) => ws.send(typeof m === "string" ? m : JSON.stringify(m)),
    frame: (h, payload) => ws.send(encodeFrame({ width: 0, height: 0, ...h }, payload)),
  };
}

/** The next message, which must be a sketch; returns its header and payload. */
export async function nextSketch(c: FrameClient) {
  const r = await c.next();
  if (r.kind !== "frame") throw new Error(`expected a sketch, got ${JSON.stringify(r.message)}`);
  return r;
}

/** The next message, which must be text. */
export async function nextText(c: FrameClient): Promise<ServerMessage> {
  const r = await c.next();
  if (r.kind !== "text") throw new Error(`expected a text message, got a ${r.header.format} frame`);
  return r.message;
}
