import type { types } from "mediasoup";
import type { Namespace, Server } from "socket.io";
import type { SketchEngine } from "../engine/index.js";
import type { Logger } from "../log.js";
import { LivePeer } from "./live-peer.js";
import type { SessionTokens } from "./session-tokens.js";
import { attachHandlers } from "./signaling-handler.js";
import type { IceServer, LiveClientEvents, LiveServerEvents } from "./signaling-messages.js";
import type { WorkerPool } from "./worker-pool.js";

export interface NamespaceOptions {
  pool: WorkerPool;
  tokens: SessionTokens;
  engine: SketchEngine;
  listenIp: types.TransportListenIp;
  iceServers: IceServer[];
  log: Logger;
}

/**
 * socket.io namespace `/live`: a connection must present a session token (`auth: { token }`),
 * gets a router and a LivePeer, and loses everything it created when it disconnects.
 */
export function attachLiveNamespace(
  io: Server,
  options: NamespaceOptions,
): {
  nsp: Namespace<LiveClientEvents, LiveServerEvents>;
  close(): Promise<void>;
} {
  const nsp: Namespace<LiveClientEvents, LiveServerEvents> = io.of("/live");
  const peers = new Set<LivePeer>();
  nsp.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    next(options.tokens.redeem(token) ? undefined : new Error("invalid or expired live session token"));
  });
  nsp.on("connection", (socket) => {
    const log = options.log.child({ socket: socket.id });
    const peer = new LivePeer({
      router: options.pool.router(),
      engine: options.engine,
      listenIp: options.listenIp,
      iceServers: options.iceServers,
      log,
      onPipelineClosed: (producerId) => socket.emit("pipelineClosed", { producerId }),
    });
    peers.add(peer);
    attachHandlers(socket, peer.handlers, log);
    socket.once("disconnect", (reason) => {
      log.debug({ reason }, "live client left");
      peers.delete(peer);
      peer.close().catch((err: unknown) => log.error({ err }, "closing a live peer failed"));
    });
  });
  return {
    nsp,
    close: async () => {
      await Promise.all([...peers].map((p) => p.close()));
      peers.clear();
    },
  };
}
