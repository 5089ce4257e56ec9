import type { types } from "mediasoup";

// Browsers may send VP8 or H264 (Safari and some Android builds prefer H264); the sketched stream
// we send back is always VP8, which every WebRTC browser decodes. Call audio is Opus, forwarded as is.
export const routerCodecs: types.RtpCodecCapability[] = [
  { kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2 },
  { kind: "video", mimeType: "video/VP8", clockRate: 90000 },
  {
    kind: "video",
    mimeType: "video/H264",
    clockRate: 90000,
    parameters: { "packetization-mode": 1, "profile-level-id": "42e01f", "level-asymmetry-allowed": 1 },
  },
];
