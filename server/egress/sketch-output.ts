import { randomInt } from "node:crypto";
import type { types } from "mediasoup";
import type { RtpTarget } from "../encode/vp8-rtp-encoder.js";
import { freeUdpPortPair } from "../live/local-udp-port.js";

const payloadType = 101;

/** The sketched stream's way back: a PlainTransport fed by the VP8 encoder, and its Producer. */
export interface SketchOutput {
  /** What browsers consume. */
  producer: types.Producer;
  /** Where the encoder sends its RTP. */
  target: RtpTarget;
  close(): void;
}

export async function createSketchOutput(router: types.Router, appData: object): Promise<SketchOutput> {
  const localPort = await freeUdpPortPair();
  const transport = await router.createPlainTransport({
    listenIp: "127.0.0.1",
    rtcpMux: true,
    comedia: false,
  });
  try {
    // Connected up front to the encoder's fixed source port, so a restarted encoder is accepted too
    // (with comedia the transport would lock onto the first encoder's port).
    await transport.connect({ ip: "127.0.0.1", port: localPort });
    const ssrc = randomInt(1, 2 ** 31);
    const producer = await transport.produce({
      kind: "video",
      rtpParameters: {
        codecs: [{ mimeType: "video/VP8", payloadType, clockRate: 90000 }],
        encodings: [{ ssrc }],
      },
      appData,
    });
    return {
      producer,
      target: { port: transport.tuple.localPort, localPort, payloadType, ssrc },
      close: () => transport.close(),
    };
  } catch (err) {
    transport.close();
    throw err;
  }
}
