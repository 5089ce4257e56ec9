import type { ServerContext } from "../http/server.js";
import { LiveAdmission } from "./live-admission.js";
import { attachLiveNamespace } from "./live-namespace.js";
import { SessionTokens } from "./session-tokens.js";
import { turnIceServers } from "./turn-credentials.js";
import { WorkerPool } from "./worker-pool.js";

/**
 * The live preview: mediasoup workers, `GET /api/live/session` (a one-time token for the socket;
 * 429 beyond the per-address rate, 503 while the server is full), the socket.io namespace `/live`,
 * and a close hook that ends every pipeline and worker.
 */
export async function registerLive(ctx: ServerContext): Promise<void> {
  const log = ctx.log.child({ feature: "live" });
  const { mediasoup, turn } = ctx.config;
  const pool = await WorkerPool.create(mediasoup, log);
  const tokens = new SessionTokens();
  const admission = new LiveAdmission(ctx.config.live);
  const iceServers = turnIceServers(turn);
  const live = attachLiveNamespace(ctx.io, {
    pool,
    tokens,
    admission,
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
  ctx.app.get("/api/live/session", async (req, reply) => {
    reply.header("cache-control", "no-store");
    const retryAfterS = admission.tokenRetryAfterS(req.ip);
    if (retryAfterS > 0) {
      reply.header("retry-after", String(retryAfterS));
      return reply.code(429).send({ error: "too many live sessions from your address; try again later" });
    }
    const refusal = admission.connectionRefusal(req.ip);
    if (refusal) {
      reply.header("retry-after", "10");
      return reply.code(503).send({ error: refusal });
    }
    admission.tokenIssued(req.ip);
    return tokens.issue();
  });
  ctx.onClose(async () => {
    await live.close();
    pool.close();
  });
}
