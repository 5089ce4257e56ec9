import type { types } from "mediasoup";
import { freeUdpPortPair } from "../net/local-udp-port.js";
import { rtpInputSdp } from "./rtp-sdp.js";

/**
 * A browser's producer forwarded as plain RTP to a loopback port where ffmpeg decodes it. The
 * consumer starts paused: resume it once ffmpeg listens.
 */
export interface RtpTap {
  consumer: types.Consumer;
  /** Loopback UDP port the RTP goes to (RTCP mux on the same port). */
  port: number;
  /** SDP describing the stream for ffmpeg's input. */
  sdp: string;
  close(): void;
}

/**
 * What the tap may receive: the router's video codecs without RTX, RTCP feedback or header
 * extensions. With the full capabilities mediasoup sends transport-cc probation packets (SSRC 1234,
 * PT 127) that ffmpeg counts as tens of thousands of missed packets.
 */
function tapCapabilities(router: types.Router): types.RtpCapabilities {
  const codecs = (router.rtpCapabilities.codecs ?? [])
    .filter((c) => c.kind === "video" && !/\/rtx$/i.test(c.mimeType))
    .map((c) => ({ ...c, rtcpFeedback: [] }));
  return { codecs, headerExtensions: [] };
}

export async function tapProducer(router: types.Router, producer: types.Producer): Promise<RtpTap> {
  const port = await freeUdpPortPair();
  const transport = await router.createPlainTransport({
    listenIp: "127.0.0.1",
    rtcpMux: true,
    comedia: false,
  });
  try {
    await transport.connect({ ip: "127.0.0.1", port });
    const consumer = await transport.consume({
      producerId: producer.id,
      rtpCapabilities: tapCapabilities(router),
      paused: true,
    });
    const sdp = rtpInputSdp(port, consumer.rtpParameters);
    return { consumer, port, sdp, close: () => transport.close() };
  } catch (err) {
    transport.close();
    throw err;
  }
}
