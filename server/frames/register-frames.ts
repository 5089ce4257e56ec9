import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { requestGuard } from "../http/request-guard.js";
import type { ServerContext } from "../http/server.js";
import { ConnectionLimit } from "../net/connection-limit.js";
import { FrameConnection } from "./frame-connection.js";
import { framesPath, headerBytes } from "./frame-protocol.js";

const reasons: Record<number, string> = {
  403: "Forbidden",
  421: "Misdirected Request",
  503: "Service Unavailable",
};

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status] ?? "Error"}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * The WebSocket frame API (frame-protocol.ts): `GET /api/frames` upgraded by `ws` on the same HTTP
 * server (socket.io keeps its own upgrades on /socket.io/), under the request guard's Host and
 * Origin rules, at most `frames.maxConnections` sockets (`frames.connectionsPerAddress` per client
 * address), and a close hook that ends them all.
 */
export function registerFrames(ctx: ServerContext): void {
  const log = ctx.log.child({ feature: "frames" });
  const { maxConnections, connectionsPerAddress, maxMessageBytes } = ctx.config.frames;
  const guard = requestGuard(ctx.config);
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(maxMessageBytes, headerBytes) });
  const connections = new Set<FrameConnection>();
  /** Sockets from the start of their upgrade until they close. */
  const limit = new ConnectionLimit(maxConnections, connectionsPerAddress);
  let closing = false;

  ctx.app.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== framesPath) return; // socket.io's, or nobody's (engine.io ends those)
    socket.on("error", () => {});
    const refusal = guard.check(req.headers, true);
    if (refusal) return refuseUpgrade(socket, refusal.status, refusal.error);
    if (closing) return refuseUpgrade(socket, 503, "the server is shutting down");
    const address = req.socket.remoteAddress ?? "?";
    const hit = limit.refusal(address);
    if (hit === "total")
      return refuseUpgrade(socket, 503, `server full: ${maxConnections} frame connections are open`);
    if (hit === "address")
      return refuseUpgrade(
        socket,
        503,
        `too many frame connections from your address (${connectionsPerAddress})`,
      );
    // Also an upgrade that never completes (the client went away) gives its slot back with the socket.
    socket.once("close", limit.take(address));
    wss.handleUpgrade(req, socket, head, (ws) => {
      let stream: ReturnType<typeof ctx.engine.createStream>;
      try {
        stream = ctx.engine.createStream();
      } catch (err) {
        ws.close(1011, (err as Error).message.slice(0, 120));
        return;
      }
      const connection = new FrameConnection(ws, stream, log);
      connections.add(connection);
      ws.once("close", () => connections.delete(connection));
      ws.on("error", (err) => log.debug({ err }, "frame socket error"));
    });
  });

  // A plain GET (no Upgrade header) reaches Fastify.
  ctx.app.get(framesPath, async (_req, reply) =>
    reply.code(426).header("upgrade", "websocket").send({ error: "this is a WebSocket endpoint" }),
  );

  ctx.onClose(async () => {
    closing = true;
    for (const ws of wss.clients) ws.terminate();
    for (const c of connections) c.close();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
}
