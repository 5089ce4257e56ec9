import { randomInt } from "node:crypto";
import { type MediaDescription, write } from "sdp-transform";
import type { TransportInfo } from "../../media/peer.js";
import type { AnswerSection } from "./answer-section.js";
import type { Offer } from "./sdp-offer.js";

/**
 * Our DTLS role for an offer (RFC 8842): a client that offers `actpass` or `active` connects to us
 * (we answer passive, mediasoup is the DTLS server); one that is `passive` (FFmpeg's WHIP muxer)
 * waits, so we connect. `remote` is the client's role as mediasoup's connect() wants it.
 */
export function dtlsRoles(offer: Offer): { answer: "passive" | "active"; remote: "client" | "server" } {
  return offer.setup === "passive"
    ? { answer: "active", remote: "server" }
    : { answer: "passive", remote: "client" };
}

/**
 * The SDP answer: ICE-lite with the transport's candidates (a client that does not trickle, as
 * OBS, needs them here), its DTLS fingerprint, every offered section in order (accepted ones
 * bundled on the one transport, rejected ones with port 0).
 */
export function answerSdp(offer: Offer, transport: TransportInfo, sections: AnswerSection[]): string {
  const fingerprint =
    transport.dtlsParameters.fingerprints.find((f) => f.algorithm === "sha-256") ??
    transport.dtlsParameters.fingerprints[0];
  if (!fingerprint) throw new Error("the transport has no DTLS fingerprint");
  const udp = transport.iceCandidates.find((c) => c.protocol === "udp") ?? transport.iceCandidates[0];
  const ip = udp?.ip ?? "0.0.0.0";
  const accepted = sections.filter((s) => s.codec);
  const media = sections.map((s): MediaDescription => {
    const common = {
      type: s.kind,
      protocol: "UDP/TLS/RTP/SAVPF",
      connection: { version: ip.includes(":") ? 6 : 4, ip },
      mid: s.mid,
    };
    const c = s.codec;
    if (!c) return { ...common, port: 0, payloads: "0", rtp: [], fmtp: [], direction: "inactive" };
    const fmtp = Object.entries(c.parameters)
      .map(([k, v]) => `${k}=${v}`)
      .join(";");
    return {
      ...common,
      port: udp?.port ?? 9,
      payloads: String(c.payloadType),
      rtp: [
        {
          payload: c.payloadType,
          codec: c.name,
          rate: c.clockRate,
          ...(c.channels ? { encoding: c.channels } : {}),
        },
      ],
      fmtp: fmtp ? [{ payload: c.payloadType, config: fmtp }] : [],
      rtcpFb: c.rtcpFeedback.map((f) => ({
        payload: c.payloadType,
        type: f.type,
        ...(f.parameter ? { subtype: f.parameter } : {}),
      })),
      ext: s.extensions.map((e) => ({ value: e.id, uri: e.uri })),
      direction: s.direction,
      rtcpMux: "rtcp-mux",
      ...(s.reducedSize ? { rtcpRsize: "rtcp-rsize" } : {}),
      setup: dtlsRoles(offer).answer,
      iceUfrag: transport.iceParameters.usernameFragment,
      icePwd: transport.iceParameters.password,
      candidates: transport.iceCandidates.map((cand) => ({
        foundation: cand.foundation,
        component: 1,
        transport: cand.protocol,
        priority: cand.priority,
        ip: cand.ip,
        port: cand.port,
        type: cand.type,
        ...(cand.tcpType ? { tcptype: cand.tcpType } : {}),
      })),
      endOfCandidates: "end-of-candidates",
      ...(s.send
        ? {
            msid: [{ id: s.send.streamId, appdata: `${s.send.streamId}-${s.kind}` }],
            ssrcs: [
              { id: s.send.ssrc, attribute: "cname", value: s.send.cname },
              {
                id: s.send.ssrc,
                attribute: "msid",
                value: `${s.send.streamId} ${s.send.streamId}-${s.kind}`,
              },
            ],
          }
        : {}),
    };
  });
  return write({
    version: 0,
    origin: {
      username: "sketchcast",
      sessionId: randomInt(2 ** 47),
      sessionVersion: 1,
      netType: "IN",
      ipVer: 4,
      address: "127.0.0.1",
    },
    name: "-",
    timing: { start: 0, stop: 0 },
    icelite: "ice-lite",
    fingerprint: { type: fingerprint.algorithm, hash: fingerprint.value },
    groups: accepted.length ? [{ type: "BUNDLE", mids: accepted.map((s) => s.mid).join(" ") }] : [],
    msidSemantic: { semantic: "WMS", token: "*" },
    media,
  });
}
