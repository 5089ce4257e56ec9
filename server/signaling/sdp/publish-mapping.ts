import type { types } from "mediasoup";
import type { AnswerSection } from "./answer-section.js";
import { type OfferedCodec, type OfferedSection, SdpError } from "./sdp-offer.js";

/** A section the server receives: the producer to create and how the answer describes it. */
export interface PublishPlan {
  answer: AnswerSection;
  /** undefined where the section is rejected. */
  producer?: { kind: types.MediaKind; rtpParameters: types.RtpParameters };
}

// Simulcast layers (rid) are not taken: one encoding per section.
const skippedExtensions = new Set([
  "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
  "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
]);

/** H264 in packetization mode 1 with a Baseline-family profile (what the router has). */
function h264Usable(c: OfferedCodec): boolean {
  const profile = String(c.parameters["profile-level-id"] ?? "42e01f").toLowerCase();
  return Number(c.parameters["packetization-mode"] ?? 0) === 1 && /^42[0-9a-f]{4}$/.test(profile);
}

/** The first offered codec (the client's preference) that the router takes, without RTX/FEC. */
function pickCodec(section: OfferedSection, caps: types.RtpCapabilities): OfferedCodec | undefined {
  return section.codecs.find((c) => {
    const mime = `${section.kind}/${c.name}`.toLowerCase();
    const known = (caps.codecs ?? []).some(
      (k) => k.mimeType.toLowerCase() === mime && k.clockRate === c.clockRate && k.kind === section.kind,
    );
    if (!known || /^(rtx|red|ulpfec|flexfec)$/i.test(c.name)) return false;
    return c.name.toLowerCase() !== "h264" || h264Usable(c);
  });
}

/**
 * What a WHIP publisher's offered `sendonly` section becomes: a producer with the client's own
 * payload type, SSRC, header extension ids and the feedback both sides support, and the matching
 * answer section (recvonly); sections the router cannot take are rejected with a reason.
 */
export function publishPlan(section: OfferedSection, caps: types.RtpCapabilities): PublishPlan {
  const base = { mid: section.mid, kind: section.kind, direction: "recvonly" as const, extensions: [] };
  const reject = (why: string): PublishPlan => ({
    answer: { ...base, reducedSize: section.reducedSize, rejected: why },
  });
  if (section.direction !== "sendonly" && section.direction !== "sendrecv")
    return reject(`direction ${section.direction}: a WHIP client sends`);
  const codec = pickCodec(section, caps);
  if (!codec)
    return reject(
      `none of ${section.codecs.map((c) => c.name).join(", ")} is supported ` +
        (section.kind === "video" ? "(VP8, or H264 packetization-mode 1 Baseline)" : "(Opus)"),
    );
  const capCodec = (caps.codecs ?? []).find(
    (k) => k.mimeType.toLowerCase() === `${section.kind}/${codec.name}`.toLowerCase(),
  );
  const feedback = codec.rtcpFeedback.filter((f) =>
    (capCodec?.rtcpFeedback ?? []).some((k) => k.type === f.type && (k.parameter ?? "") === f.parameter),
  );
  const extensions = section.extensions.filter(
    (e) =>
      !skippedExtensions.has(e.uri) &&
      (caps.headerExtensions ?? []).some((k) => k.uri === e.uri && k.kind === section.kind),
  );
  const chosen: OfferedCodec = { ...codec, rtcpFeedback: feedback };
  const hasMid = extensions.some((e) => e.uri === "urn:ietf:params:rtp-hdrext:sdes:mid");
  if (section.ssrc === undefined && !hasMid)
    throw new SdpError(`media section ${section.mid}: neither a=ssrc nor the mid header extension`);
  return {
    answer: { ...base, codec: chosen, extensions, reducedSize: section.reducedSize },
    producer: {
      kind: section.kind,
      rtpParameters: {
        ...(hasMid ? { mid: section.mid } : {}),
        codecs: [
          {
            mimeType: `${section.kind}/${codec.name}`,
            payloadType: codec.payloadType,
            clockRate: codec.clockRate,
            ...(codec.channels ? { channels: codec.channels } : {}),
            parameters: codec.parameters,
            rtcpFeedback: feedback,
          },
        ],
        headerExtensions: extensions,
        encodings: [section.ssrc !== undefined ? { ssrc: section.ssrc } : {}],
        rtcp: { cname: section.cname ?? `whip-${section.mid}`, reducedSize: section.reducedSize, mux: true },
      },
    },
  };
}
