import type { types } from "mediasoup";
import type { AnswerSection } from "./answer-section.js";
import { type OfferedSection, SdpError } from "./sdp-offer.js";

/**
 * A WHEP viewer's offered `recvonly` section as mediasoup RTP capabilities: its codecs and header
 * extensions (mediasoup keeps those whose id is the router's). RTX and FEC are left out (NACKs
 * are answered by retransmitting the original packets).
 */
export function viewerCapabilities(section: OfferedSection): types.RtpCapabilities {
  const media = section.codecs.filter((c) => !/^(rtx|red|ulpfec|flexfec)$/i.test(c.name));
  return {
    codecs: media.map((c) => ({
      kind: section.kind,
      mimeType: `${section.kind}/${c.name}`,
      preferredPayloadType: c.payloadType,
      clockRate: c.clockRate,
      ...(c.channels ? { channels: c.channels } : {}),
      parameters: c.parameters,
      rtcpFeedback: c.rtcpFeedback,
    })),
    headerExtensions: section.extensions.map((e) => ({
      kind: section.kind,
      uri: e.uri,
      preferredId: e.id,
      preferredEncrypt: false,
      direction: "sendrecv" as const,
    })),
  };
}

/** The answer section for a consumer made with viewerCapabilities() (sendonly). */
export function viewAnswer(
  section: OfferedSection,
  consumer: { rtpParameters: types.RtpParameters },
  streamId: string,
): AnswerSection {
  const p = consumer.rtpParameters;
  const codec = p.codecs[0];
  const ssrc = p.encodings?.[0]?.ssrc;
  if (!codec || ssrc === undefined) throw new Error("the consumer has no codec or SSRC");
  // mediasoup sends with the router's payload type; the player decodes what it offered under it.
  const offered = section.codecs.find((c) => c.payloadType === codec.payloadType);
  if (!offered || `${section.kind}/${offered.name}`.toLowerCase() !== codec.mimeType.toLowerCase())
    throw new SdpError(
      `the player must offer ${codec.mimeType.split("/")[1]} as payload type ${codec.payloadType} ` +
        "(as Chromium does); its offer has other numbers",
    );
  return {
    mid: section.mid,
    kind: section.kind,
    direction: "sendonly",
    codec: {
      ...offered,
      parameters: codec.parameters ?? {},
      rtcpFeedback: (codec.rtcpFeedback ?? []).map((f) => ({ type: f.type, parameter: f.parameter ?? "" })),
    },
    extensions: (p.headerExtensions ?? []).map((e) => ({ id: e.id, uri: e.uri })),
    reducedSize: section.reducedSize,
    send: { ssrc, cname: p.rtcp?.cname ?? "sketchcast", streamId },
  };
}

/** A viewer's section that the server does not fill (nothing of that kind is published). */
export function rejectedView(section: OfferedSection, why: string): AnswerSection {
  return {
    mid: section.mid,
    kind: section.kind,
    direction: "sendonly",
    extensions: [],
    reducedSize: section.reducedSize,
    rejected: why,
  };
}
