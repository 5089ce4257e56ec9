import type { types } from "mediasoup";

/**
 * The SDP that tells ffmpeg what arrives on a loopback port: one video stream, the consumer's codec
 * and payload type. RTCP from mediasoup comes on the same port (rtcp-mux); ffmpeg's RTP input
 * recognises it by packet type.
 */
export function rtpInputSdp(port: number, rtpParameters: types.RtpParameters): string {
  const codec = rtpParameters.codecs[0];
  if (!codec) throw new Error("consumer has no codec");
  const pt = codec.payloadType;
  const name = codec.mimeType.replace(/^video\//i, "");
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(";");
  return [
    "v=0",
    "o=- 0 0 IN IP4 127.0.0.1",
    "s=sketchcast live input",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=video ${port} RTP/AVP ${pt}`,
    `a=rtpmap:${pt} ${name}/${codec.clockRate}`,
    ...(fmtp ? [`a=fmtp:${pt} ${fmtp}`] : []),
    "a=recvonly",
    "",
  ].join("\r\n");
}
