import type { types } from "mediasoup";

// Browsers may send VP8 or H264 (Safari and some Android builds prefer H264); the sketched stream
// we send back is always VP8, which every WebRTC browser decodes. Call audio is Opus, forwarded as is.
// H264 comes as Constrained Baseline (browsers, OBS: 42e01f) or Baseline (FFmpeg's WHIP muxer
// offers 42001e); mediasoup matches H264 by profile, so the router lists both.
// Consumers send with these payload types, and a WHEP player (which offers, so it picks them)
// must find them in its offer: 111 Opus and 96 VP8 are what Chromium (and OBS's browser source)
// offer; see server/signaling/sdp/view-mapping.ts.
export const routerCodecs: types.RtpCodecCapability[] = [
  { kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2, preferredPayloadType: 111 },
  { kind: "video", mimeType: "video/VP8", clockRate: 90000, preferredPayloadType: 96 },
  {
    kind: "video",
    mimeType: "video/H264",
    clockRate: 90000,
    parameters: { "packetization-mode": 1, "profile-level-id": "42e01f", "level-asymmetry-allowed": 1 },
  },
  {
    kind: "video",
    mimeType: "video/H264",
    clockRate: 90000,
    parameters: { "packetization-mode": 1, "profile-level-id": "42001f", "level-asymmetry-allowed": 1 },
  },
];
