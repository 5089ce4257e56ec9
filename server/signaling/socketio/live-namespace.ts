import type { Namespace, Server } from "socket.io";
import type { LiveAdmission } from "../../live/live-admission.js";
import type { SessionTokens } from "../../live/session-tokens.js";
import type { Logger } from "../../log.js";
import type { Rooms } from "../../media/rooms.js";
import type { SketchProcessor } from "../../processing/sketch-processor.js";
import { attachHandlers } from "./handler.js";
import { LiveConnection } from "./live-connection.js";
import type { IceServer, LiveClientEvents, LiveServerEvents } from "./messages.js";

export interface NamespaceOptions {
  rooms: Rooms<SketchProcessor>;
  tokens: SessionTokens;
  admission: LiveAdmission;
  /** Read once per connection, so each live session can get its own TURN credential. */
  iceServers: () => IceServer[];
  log: Logger;
}

/**
 * socket.io namespace `/live`: a connection must present a session token (`auth: { token }`) and
 * fit the admission limits ("server full: …" at the handshake otherwise); it becomes a
 * LiveConnection (a room member) and loses everything it created when it disconnects.
 */
export function attachLiveNamespace(
  io: Server,
  options: NamespaceOptions,
): Namespace<LiveClientEvents, LiveServerEvents> {
  const nsp: Namespace<LiveClientEvents, LiveServerEvents> = io.of("/live");
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
    const log = options.log.child({ socket: socket.id });
    const connection = new LiveConnection(socket, options.rooms, options.iceServers, log);
    attachHandlers(socket, connection.handlers, log);
    socket.once("disconnect", (reason) => {
      log.debug({ reason }, "live client left");
      connection.close();
      releases.get(socket)?.();
    });
  });
  return nsp;
}
