import { parse } from "sdp-transform";

/** An offer we cannot answer; the message says why (WHIP/WHEP answer 400 with it). */
export class SdpError extends Error {
  override name = "SdpError";
}

export interface OfferedCodec {
  payloadType: number;
  /** e.g. "H264", "opus", "rtx" (as written in the rtpmap). */
  name: string;
  clockRate: number;
  channels?: number;
  parameters: Record<string, string | number>;
  rtcpFeedback: { type: string; parameter: string }[];
}

export interface OfferedSection {
  mid: string;
  kind: "audio" | "video";
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  /** In the offer's order: the client's preference. */
  codecs: OfferedCodec[];
  extensions: { id: number; uri: string }[];
  /** The media SSRC the client announced (none with rid-only simulcast). */
  ssrc?: number;
  cname?: string;
  reducedSize: boolean;
}

/** What a WHIP publisher or WHEP viewer offered: its DTLS identity and its media sections. */
export interface Offer {
  setup: "actpass" | "active" | "passive";
  fingerprints: { algorithm: string; value: string }[];
  sections: OfferedSection[];
}

const maxSections = 4;
const directions = new Set(["sendrecv", "sendonly", "recvonly", "inactive"]);
const setups = new Set(["actpass", "active", "passive"]);

function parameters(config: string | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const part of (config ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    out[key] = /^\d+$/.test(value) && value.length < 10 ? Number(value) : value;
  }
  return out;
}

/**
 * Reads an SDP offer (RFC 8866/8829) into what the WHIP/WHEP mapping needs, or throws SdpError.
 * Every WebRTC offer must be bundled DTLS-SRTP with rtcp-mux; ICE credentials are not needed
 * (the server is ICE-lite and checks only its own).
 */
export function parseOffer(text: string): Offer {
  if (!text.startsWith("v=0")) throw new SdpError("not an SDP offer (it must start with v=0)");
  let sdp: ReturnType<typeof parse>;
  try {
    sdp = parse(text);
  } catch (err) {
    throw new SdpError(`unreadable SDP: ${err instanceof Error ? err.message : err}`);
  }
  const media = sdp.media ?? [];
  if (media.length === 0) throw new SdpError("the offer has no media sections");
  if (media.length > maxSections) throw new SdpError(`at most ${maxSections} media sections`);
  const fingerprint = media.find((m) => m.fingerprint)?.fingerprint ?? sdp.fingerprint;
  if (!fingerprint?.hash || !fingerprint.type) throw new SdpError("the offer has no DTLS fingerprint");
  const setup = (media.find((m) => m.setup)?.setup ?? sdp.setup ?? "actpass") as Offer["setup"];
  if (!setups.has(setup)) throw new SdpError(`unknown a=setup:${setup}`);
  const sections = media.map((m, index): OfferedSection => {
    const where = `media section ${index} (${m.type})`;
    if (m.type !== "audio" && m.type !== "video") throw new SdpError(`${where}: only audio and video`);
    if (!/^UDP\/TLS\/RTP\/SAVPF$/i.test(m.protocol))
      throw new SdpError(`${where}: protocol ${m.protocol}; WebRTC needs UDP/TLS/RTP/SAVPF`);
    if (m.mid === undefined) throw new SdpError(`${where}: no a=mid`);
    if (!m.rtcpMux) throw new SdpError(`${where}: no a=rtcp-mux`);
    const direction = m.direction ?? "sendrecv";
    if (!directions.has(direction)) throw new SdpError(`${where}: direction ${direction}`);
    const fmtp = new Map((m.fmtp ?? []).map((f) => [f.payload, f.config]));
    const codecs = (m.rtp ?? []).map((r) => ({
      payloadType: r.payload,
      name: r.codec,
      clockRate: r.rate ?? 0,
      ...(r.encoding && m.type === "audio" ? { channels: Number(r.encoding) } : {}),
      parameters: parameters(fmtp.get(r.payload)),
      rtcpFeedback: (m.rtcpFb ?? [])
        .filter((f) => f.payload === r.payload || f.payload === "*")
        .map((f) => ({ type: f.type, parameter: f.subtype ?? "" })),
    }));
    if (codecs.length === 0) throw new SdpError(`${where}: no codecs (a=rtpmap)`);
    if (codecs.some((c) => !Number.isInteger(c.payloadType) || c.payloadType < 0 || c.payloadType > 127))
      throw new SdpError(`${where}: payload types must be 0..127`);
    // The media SSRC: the first of a FID (RTX) group, else the first announced.
    const fid = (m.ssrcGroups ?? []).find((g) => g.semantics === "FID");
    const ssrc = fid ? Number(fid.ssrcs.split(" ")[0]) : m.ssrcs?.[0]?.id;
    const cname = m.ssrcs?.find((s) => s.attribute === "cname")?.value;
    return {
      mid: String(m.mid),
      kind: m.type,
      direction: direction as OfferedSection["direction"],
      codecs,
      extensions: (m.ext ?? []).map((e) => ({ id: e.value, uri: e.uri })),
      ...(ssrc !== undefined && Number.isFinite(Number(ssrc)) ? { ssrc: Number(ssrc) } : {}),
      ...(cname ? { cname } : {}),
      reducedSize: m.rtcpRsize !== undefined,
    };
  });
  if (new Set(sections.map((s) => s.mid)).size !== sections.length) throw new SdpError("duplicate a=mid");
  // One transport carries everything (max-bundle, as every WebRTC client offers it).
  const bundle = (sdp.groups ?? []).find((g) => g.type === "BUNDLE");
  const bundleMids = bundle === undefined ? [] : String(bundle.mids).split(" ");
  if (sections.some((s) => !bundleMids.includes(s.mid)))
    throw new SdpError("every media section must be in a=group:BUNDLE (one transport for all)");
  return {
    setup,
    fingerprints: [{ algorithm: fingerprint.type.toLowerCase(), value: fingerprint.hash.toUpperCase() }],
    sections,
  };
}
