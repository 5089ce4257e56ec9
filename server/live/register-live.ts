import type { ServerContext } from "../http/server.js";
import { attachLiveNamespace } from "./live-namespace.js";
import { SessionTokens } from "./session-tokens.js";
import { turnIceServers } from "./turn-credentials.js";
import { WorkerPool } from "./worker-pool.js";

/**
 * The live preview: mediasoup workers, `GET /api/live/session` (a one-time token for the socket),
 * the socket.io namespace `/live`, and a close hook that ends every pipeline and worker.
 */
export async function registerLive(ctx: ServerContext): Promise<void> {
  const log = ctx.log.child({ feature: "live" });
  const { mediasoup, turn } = ctx.config;
  const pool = await WorkerPool.create(mediasoup, log);
  const tokens = new SessionTokens();
  const iceServers = turnIceServers(turn);
  const live = attachLiveNamespace(ctx.io, {
    pool,
    tokens,
    engine: ctx.engine,
    // Without an announced address (the host's public or LAN IP) only local browsers can connect.
    listenIp: mediasoup.announcedIp
      ? { ip: "0.0.0.0", announcedIp: mediasoup.announcedIp }
      : { ip: "127.0.0.1" },
    // Read once per connection, so each live session gets its own TURN credential.
    get iceServers() {
      return iceServers();
    },
    log,
  });
  ctx.app.get("/api/live/session", async (_req, reply) => {
    reply.header("cache-control", "no-store");
    return tokens.issue();
  });
  ctx.onClose(async () => {
    await live.close();
    pool.close();
  });
}
