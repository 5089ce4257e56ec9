import type { types } from "mediasoup";
import type { Namespace, Server } from "socket.io";
import type { SketchEngine } from "../engine/index.js";
import type { Logger } from "../log.js";
import type { LiveAdmission } from "./live-admission.js";
import { LivePeer } from "./live-peer.js";
import type { SessionTokens } from "./session-tokens.js";
import { attachHandlers } from "./signaling-handler.js";
import type { IceServer, LiveClientEvents, LiveServerEvents } from "./signaling-messages.js";
import type { WorkerPool } from "./worker-pool.js";

export interface NamespaceOptions {
  pool: WorkerPool;
  tokens: SessionTokens;
  admission: LiveAdmission;
  engine: SketchEngine;
  listenIp: types.TransportListenIp;
  iceServers: IceServer[];
  log: Logger;
}

/**
 * socket.io namespace `/live`: a connection must present a session token (`auth: { token }`),
 * gets a router and a LivePeer, and loses everything it created when it disconnects. Connections
 * beyond the admission limits are refused at the handshake with "server full: …".
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
  const releases = new WeakMap<object, () => void>();
  nsp.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    if (!options.tokens.redeem(token)) return next(new Error("invalid or expired live session token"));
    try {
      releases.set(socket, options.admission.takeConnection(socket.handshake.address));
      next();
    } catch (err) {
      next(err as Error);
    }
  });
  nsp.on("connection", (socket) => {
    const release = releases.get(socket);
    const log = options.log.child({ socket: socket.id });
    const peer = new LivePeer({
      router: options.pool.router(),
      engine: options.engine,
      listenIp: options.listenIp,
      iceServers: options.iceServers,
      log,
      admission: options.admission,
      onPipelineClosed: (producerId, reason) => socket.emit("pipelineClosed", { producerId, reason }),
    });
    peers.add(peer);
    attachHandlers(socket, peer.handlers, log);
    socket.once("disconnect", (reason) => {
      log.debug({ reason }, "live client left");
      peers.delete(peer);
      peer
        .close()
        .catch((err: unknown) => log.error({ err }, "closing a live peer failed"))
        .finally(() => release?.());
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
