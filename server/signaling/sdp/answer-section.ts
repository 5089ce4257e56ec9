import type { OfferedCodec } from "./sdp-offer.js";

/** One media section of an answer; `codec` undefined: the section is rejected (port 0). */
export interface AnswerSection {
  mid: string;
  kind: "audio" | "video";
  /** The server's direction: recvonly for what a WHIP client sends, sendonly for a WHEP viewer. */
  direction: "recvonly" | "sendonly";
  codec?: OfferedCodec;
  extensions: { id: number; uri: string }[];
  reducedSize: boolean;
  /** What the server sends in this section (WHEP). */
  send?: { ssrc: number; cname: string; streamId: string };
  /** Why it was rejected, for the log. */
  rejected?: string;
}
