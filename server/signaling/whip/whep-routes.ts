import type { FastifyInstance } from "fastify";
import type { Logger } from "../../log.js";
import type { Peer } from "../../media/peer.js";
import { RequestError } from "../../media/request-error.js";
import type { Room, RoomPublication } from "../../media/room.js";
import type { Rooms } from "../../media/rooms.js";
import type { SketchProcessor } from "../../processing/sketch-processor.js";
import type { AnswerSection } from "../sdp/answer-section.js";
import { answerSdp, dtlsRoles } from "../sdp/sdp-answer.js";
import { parseOffer, SdpError } from "../sdp/sdp-offer.js";
import { rejectedView, viewAnswer, viewerCapabilities } from "../sdp/view-mapping.js";
import { roomName } from "../socketio/messages.js";
import { bearer, cors, offerBody, preflight, sameToken, sendError } from "./http-sdp.js";
import type { HttpSessions } from "./http-sessions.js";

export interface WhepDeps {
  rooms: Rooms<SketchProcessor>;
  sessions: HttpSessions;
  /** Unset: anyone who knows the room name may view. */
  viewToken: string | undefined;
  log: Logger;
}

/** A viewer whose client sends nothing (not even RTCP reports) this long is gone. */
const viewerSilenceMs = 15_000;

/** Whose streams a viewer gets: `peer` if given, else the room's WHIP publisher, else its first camera. */
function sourcePeer(room: Room, sessions: HttpSessions, peerId: string | undefined): Peer {
  const pubs = room.currentPublications();
  if (peerId) {
    const pub = pubs.find((p) => p.peer.id === peerId);
    if (!pub) throw new RequestError("not-found", `peer ${peerId} publishes nothing in "${room.name}"`);
    return pub.peer;
  }
  const publisher = sessions.publisherOf(room);
  if (publisher && pubs.some((p) => p.peer === publisher && p.kind === "video")) return publisher;
  const camera = pubs.find((p) => p.kind === "video");
  if (!camera) throw new RequestError("not-found", `nothing is published in "${room.name}" yet`);
  return camera.peer;
}

/** Closes the viewer once its client has been silent for viewerSilenceMs. */
function watchViewer(peer: Peer): void {
  let last = -1;
  let lastAt = Date.now();
  const timer = setInterval(() => {
    peer.receivedBytes().then(
      (bytes) => {
        if (bytes !== last) [last, lastAt] = [bytes, Date.now()];
        else if (Date.now() - lastAt > viewerSilenceMs) peer.close();
      },
      () => peer.close(),
    );
  }, 2500);
  timer.unref();
  peer.observer.once("close", () => clearInterval(timer));
}

/**
 * WHEP playback (draft-ietf-wish-whep): `POST /whep/<room>[/<peer>]` with a recvonly offer gets
 * the sketch (and the audio, if the offer asks) of the room's publisher as a viewer peer: 201,
 * the answer and a `Location` to `DELETE`. Consumers start once DTLS is up (so the first frame
 * is a keyframe the client receives); the session ends when what it shows ends, or its client goes.
 */
export function attachWhep(app: FastifyInstance, deps: WhepDeps): void {
  const { rooms, sessions, viewToken, log } = deps;
  const methods = "POST, DELETE, OPTIONS";
  preflight(app, ["/whep/:room", "/whep/:room/:peer", "/whep/:room/session/:session"], methods);

  const view = async (
    req: { params: { room: string; peer?: string } } & Parameters<typeof bearer>[0],
    reply: Parameters<typeof sendError>[0],
  ) => {
    cors(reply, methods);
    if (viewToken !== undefined && !sameToken(bearer(req), viewToken)) {
      reply.header("www-authenticate", 'Bearer realm="sketchcast view"');
      return reply.code(401).type("text/plain").send("viewing needs the view token (Bearer or ?token=)");
    }
    const name = roomName.safeParse(req.params.room);
    if (!name.success)
      return reply.code(404).type("text/plain").send(`bad room name: ${name.error.issues[0]?.message}`);
    const text = offerBody(req, reply);
    if (text === undefined) return reply;
    let viewer: Peer | undefined;
    try {
      const offer = parseOffer(text);
      const joined = await rooms.view(name.data, "viewer");
      viewer = joined.peer;
      const source = sourcePeer(joined.room, sessions, req.params.peer);
      const pubs = joined.room.currentPublications().filter((p) => p.peer === source);
      const transport = await viewer.createTransport();
      await viewer.connectTransport(transport.id, {
        role: dtlsRoles(offer).remote,
        fingerprints: offer.fingerprints,
      });
      const answers: AnswerSection[] = [];
      const consumerIds: string[] = [];
      const taken = new Set<RoomPublication>();
      for (const section of offer.sections) {
        const pub = pubs.find((p) => p.kind === section.kind && !taken.has(p));
        if (section.direction !== "recvonly" && section.direction !== "sendrecv") {
          answers.push(rejectedView(section, `direction ${section.direction}: a WHEP client receives`));
        } else if (!pub) {
          answers.push(rejectedView(section, `no ${section.kind} from ${source.name}`));
        } else {
          taken.add(pub);
          const consumer = await viewer.consume(transport.id, pub.producer, viewerCapabilities(section));
          consumerIds.push(consumer.id);
          answers.push(viewAnswer(section, consumer, source.id));
        }
      }
      if (!taken.size) throw new SdpError(`nothing to receive: ${answers.map((a) => a.rejected).join("; ")}`);
      const peer = viewer;
      peer.observer.once("transportConnected", () => {
        for (const id of consumerIds) void peer.resume("consumer", id).catch(() => undefined);
      });
      // What it shows has ended (the publisher left): the viewer closes, and its client reconnects.
      peer.observer.on("consumerClosed", () => peer.close());
      watchViewer(peer);
      const session = sessions.add("whep", joined.room, peer);
      log.info({ room: joined.room.name, session: session.id, source: source.name }, "WHEP viewer joined");
      return reply
        .code(201)
        .header("location", `/whep/${encodeURIComponent(joined.room.name)}/session/${session.id}`)
        .type("application/sdp")
        .send(answerSdp(offer, transport, answers));
    } catch (err) {
      viewer?.close();
      if (!(err instanceof SdpError) && !(err instanceof RequestError)) log.warn({ err }, "WHEP view failed");
      return sendError(reply, err);
    }
  };
  app.post<{ Params: { room: string } }>("/whep/:room", view);
  app.post<{ Params: { room: string; peer: string } }>("/whep/:room/:peer", view);

  app.delete<{ Params: { room: string; session: string } }>(
    "/whep/:room/session/:session",
    async (req, reply) => {
      cors(reply, methods);
      const session = sessions.get("whep", req.params.room, req.params.session);
      if (!session) return reply.code(404).type("text/plain").send("no such WHEP session");
      session.peer.close();
      return reply.code(200).send();
    },
  );
}
