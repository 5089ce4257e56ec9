import type { FastifyInstance, FastifyRequest } from "fastify";
import { controlsPatch } from "../../engine/controls.js";
import type { Logger } from "../../log.js";
import type { Peer } from "../../media/peer.js";
import type { ProcessingRequest } from "../../media/processor.js";
import type { Room } from "../../media/room.js";
import type { Rooms } from "../../media/rooms.js";
import type { SketchProcessor } from "../../processing/sketch-processor.js";
import { type PublishPlan, publishPlan } from "../sdp/publish-mapping.js";
import { answerSdp, dtlsRoles } from "../sdp/sdp-answer.js";
import { parseOffer, SdpError } from "../sdp/sdp-offer.js";
import { displayName, roomName } from "../socketio/messages.js";
import { bearer, cors, offerBody, preflight, sameToken, sendError } from "./http-sdp.js";
import type { HttpSessions } from "./http-sessions.js";

export interface WhipDeps {
  rooms: Rooms<SketchProcessor>;
  sessions: HttpSessions;
  token: string;
  /** The most a publisher is drawn at (not the room's call tile size). */
  fit: { width: number; height: number };
  log: Logger;
}

/** `?style=ink&detail=0.7&temporal=off` on the WHIP URL: how the publisher is drawn. */
function queryControls(query: Record<string, string | undefined>) {
  const { style, detail, temporal } = query;
  const parsed = controlsPatch.safeParse({
    ...(style !== undefined ? { style } : {}),
    ...(detail !== undefined ? { detail: detail === "" ? Number.NaN : Number(detail) } : {}),
    ...(temporal !== undefined ? { temporal: !/^(off|false|0)$/i.test(temporal) } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SdpError(`bad ${issue?.path.join(".")} in the URL: ${issue?.message}`);
  }
  return parsed.data;
}

/** `?probe=1` (the latency bench): the top band stays unsketched to carry frame numbers (probe-band.ts). */
function queryProbe(query: Record<string, string | undefined>): boolean {
  return /^(1|true|on)$/i.test(query.probe ?? "");
}

function publisherName(req: FastifyRequest): string {
  const given = displayName.safeParse((req.query as Record<string, unknown>).name);
  if (given.success) return given.data;
  return /OBS-Studio/i.test(req.headers["user-agent"] ?? "") ? "OBS" : "WHIP";
}

/** Produces every section the plan accepts and publishes it to the room (a camera gets its sketch). */
async function publish(
  room: Room<SketchProcessor>,
  peer: Peer,
  transportId: string,
  plans: PublishPlan[],
  request: Pick<ProcessingRequest, "controls" | "probe" | "fit">,
) {
  for (const plan of plans) {
    if (!plan.producer) continue;
    const source = await peer.produce(transportId, plan.producer.kind, plan.producer.rtpParameters);
    await room.publish(peer, source, { mode: "sketch", ...request });
  }
}

/**
 * WHIP ingest (RFC 9725): `POST /whip/<room>` with an SDP offer and the publish token makes the
 * publisher a participant of the room (its camera sketched like any other, its audio forwarded)
 * and answers 201 with the SDP answer and the session's `Location`; `DELETE` there ends it; no
 * trickle (`PATCH` 405: the answer carries all of the server's candidates, the offer needs none).
 * The session also ends when its camera's pipeline does (nothing sent for the idle timeout).
 */
export function attachWhip(app: FastifyInstance, deps: WhipDeps): void {
  const { rooms, sessions, token, log } = deps;
  const methods = "POST, DELETE, PATCH, OPTIONS";
  preflight(app, ["/whip/:room", "/whip/:room/:session"], methods);

  app.post<{ Params: { room: string }; Querystring: Record<string, string | undefined> }>(
    "/whip/:room",
    async (req, reply) => {
      cors(reply, methods);
      if (!sameToken(bearer(req), token)) {
        reply.header("www-authenticate", 'Bearer realm="sketchcast whip"');
        return reply
          .code(401)
          .type("text/plain")
          .send("a WHIP publish needs the server's token: Authorization: Bearer <token>");
      }
      const name = roomName.safeParse(req.params.room);
      if (!name.success)
        return reply.code(404).type("text/plain").send(`bad room name: ${name.error.issues[0]?.message}`);
      const text = offerBody(req, reply);
      if (text === undefined) return reply;
      let joined: { room: Room<SketchProcessor>; peer: Peer } | undefined;
      try {
        const offer = parseOffer(text);
        const controls = queryControls(req.query);
        joined = await rooms.join(name.data, publisherName(req));
        const { room, peer } = joined;
        const plans = offer.sections.map((s) => publishPlan(s, room.rtpCapabilities));
        if (!plans.some((p) => p.producer?.kind === "video")) {
          const why = plans
            .map((p) => p.answer.rejected)
            .filter(Boolean)
            .join("; ");
          throw new SdpError(`no video the server can take (${why || "no video section"})`);
        }
        const transport = await peer.createTransport();
        await peer.connectTransport(transport.id, {
          role: dtlsRoles(offer).remote,
          fingerprints: offer.fingerprints,
        });
        await publish(room, peer, transport.id, plans, {
          controls,
          probe: queryProbe(req.query),
          fit: deps.fit,
        });
        const session = sessions.add("whip", room, peer);
        // The camera's pipeline ending (silence, failure) ends the session: its peer is of no use.
        const ended = (p: Peer) => p === peer && peer.close();
        room.observer.on("processorEnded", ended);
        peer.observer.once("close", () => room.observer.off("processorEnded", ended));
        const codecs = plans.flatMap((p) => p.producer?.rtpParameters.codecs.map((c) => c.mimeType) ?? []);
        log.info({ room: room.name, session: session.id, name: peer.name, codecs }, "WHIP publisher joined");
        return reply
          .code(201)
          .header("location", `/whip/${encodeURIComponent(room.name)}/${session.id}`)
          .type("application/sdp")
          .send(
            answerSdp(
              offer,
              transport,
              plans.map((p) => p.answer),
            ),
          );
      } catch (err) {
        joined?.peer.close();
        if (!(err instanceof SdpError)) log.warn({ err }, "WHIP publish failed");
        return sendError(reply, err);
      }
    },
  );

  app.delete<{ Params: { room: string; session: string } }>("/whip/:room/:session", async (req, reply) => {
    cors(reply, methods);
    if (!sameToken(bearer(req), token))
      return reply.code(401).type("text/plain").send("wrong or missing token");
    const session = sessions.get("whip", req.params.room, req.params.session);
    if (!session) return reply.code(404).type("text/plain").send("no such WHIP session");
    session.peer.close();
    return reply.code(200).send();
  });

  app.patch("/whip/:room/:session", async (_req, reply) => {
    cors(reply, methods);
    return reply
      .code(405)
      .header("allow", "DELETE")
      .type("text/plain")
      .send("trickle ICE is not supported: the answer has all of the server's candidates");
  });
}
