// A raw /live socket.io client in Node (no browser, no WebRTC): for tests of the signaling itself.
import { io, type Socket } from "socket.io-client";

export type Reply = { ok: boolean; error?: string; code?: string; data?: unknown };

export async function liveToken(url: string): Promise<string> {
  const res = await fetch(`${url}/api/live/session`);
  if (!res.ok) throw new Error(`live session: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Connects to `/live` with `token` (default: a fresh one); rejects with the handshake's error. */
export async function connectLive(url: string, token?: string): Promise<Socket> {
  const socket = io(`${url}/live`, {
    auth: { token: token ?? (await liveToken(url)) },
    transports: ["websocket"],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
  return socket;
}

export function request(socket: Socket, event: string, ...args: unknown[]): Promise<Reply> {
  return socket.timeout(5000).emitWithAck(event, ...args) as Promise<Reply>;
}

/** RTP parameters of a VP8 camera as a browser would send them (mediasoup checks their shape). */
export function vp8CameraParameters(ssrc: number) {
  return {
    mid: "0",
    codecs: [{ mimeType: "video/VP8", payloadType: 96, clockRate: 90000, rtcpFeedback: [{ type: "nack" }] }],
    headerExtensions: [],
    encodings: [{ ssrc }],
    rtcp: { cname: "test" },
  };
}

/** The /live sockets a test file opens on the server at `url()`; closeAll() (in afterEach) ends them. */
export function liveSockets(url: () => string) {
  const sockets: Socket[] = [];
  return {
    async open(): Promise<Socket> {
      const socket = await connectLive(url());
      sockets.push(socket);
      return socket;
    },
    closeAll(): void {
      for (const s of sockets.splice(0)) s.close();
    },
  };
}
