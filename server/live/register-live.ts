import type { ServerContext } from "../http/server.js";
import { Rooms } from "../media/rooms.js";
import { WorkerPool } from "../media/worker-pool.js";
import { attachLiveNamespace } from "../signaling/socketio/live-namespace.js";
import { acceptSdpBodies } from "../signaling/whip/http-sdp.js";
import { HttpSessions } from "../signaling/whip/http-sessions.js";
import { attachWhep } from "../signaling/whip/whep-routes.js";
import { attachWhip } from "../signaling/whip/whip-routes.js";
import { LiveAdmission } from "./live-admission.js";
import { liveSketchSize } from "./live-sketch-size.js";
import { SessionTokens } from "./session-tokens.js";
import { sketchProcessorFactory } from "./sketch-processor-factory.js";
import { turnIceServers } from "./turn-credentials.js";
import { whipToken } from "./whip-token.js";

/** The size call cameras are sketched at: tiles, so four cameras fit two cores (README, Calls). */
export const callSketchSize = { width: 424, height: 240 };
/** The most a WHIP publisher (OBS) is sketched at, within live.sketchSize: its overlay fills a stream's frame. */
export const whipSketchSize = { width: 1280, height: 720 };

/**
 * Live video (the preview and calls): mediasoup workers, the rooms, `GET /api/live/session` (a
 * one-time token for the socket; 429 beyond the per-address rate, 503 while the server is full),
 * the socket.io namespace `/live`, WHIP ingest and WHEP playback (`/whip/<room>`, `/whep/<room>`),
 * and a close hook that ends every room, pipeline and worker.
 */
export async function registerLive(ctx: ServerContext): Promise<void> {
  const log = ctx.log.child({ feature: "live" });
  const { mediasoup, turn } = ctx.config;
  const pool = await WorkerPool.create(mediasoup, log);
  const tokens = new SessionTokens();
  const admission = new LiveAdmission(ctx.config.live);
  const rooms = new Rooms({
    pool,
    // Without an announced address (the host's public or LAN IP) only local browsers can connect.
    listenIp: mediasoup.announcedIp
      ? { ip: "0.0.0.0", announcedIp: mediasoup.announcedIp }
      : { ip: "127.0.0.1" },
    maxPeers: ctx.config.roomMaxPeers,
    callFit: callSketchSize,
    createProcessor: sketchProcessorFactory({
      engine: ctx.engine,
      admission,
      sketchSize: liveSketchSize(ctx.config.live.sketchSize, ctx.engine.ep),
      log,
    }),
  });
  attachLiveNamespace(ctx.io, { rooms, tokens, admission, iceServers: turnIceServers(turn), log });
  const sessions = new HttpSessions();
  acceptSdpBodies(ctx.app);
  attachWhip(ctx.app, { rooms, sessions, token: whipToken(ctx.config, log), fit: whipSketchSize, log });
  attachWhep(ctx.app, { rooms, sessions, viewToken: ctx.config.viewToken, log });
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
    await rooms.close();
    pool.close();
  });
}
