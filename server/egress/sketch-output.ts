import { randomInt } from "node:crypto";
import type { types } from "mediasoup";
import type { RtpTarget } from "../encode/vp8-rtp-encoder.js";
import { freeUdpPortPair } from "../net/local-udp-port.js";
import { RtpContinuityRelay } from "./rtp-continuity-relay.js";

const payloadType = 101;

/** The sketched stream's way back: encoder → relay → PlainTransport → Producer. */
export interface SketchOutput {
  /** What browsers consume. */
  producer: types.Producer;
  /** Where encoders send their RTP. */
  target: RtpTarget;
  close(): void;
}

export async function createSketchOutput(router: types.Router, appData: object): Promise<SketchOutput> {
  const transport = await router.createPlainTransport({
    listenIp: "127.0.0.1",
    rtcpMux: true,
    comedia: false,
  });
  let relay: RtpContinuityRelay | undefined;
  try {
    const fromPort = await freeUdpPortPair();
    relay = await RtpContinuityRelay.start({ port: transport.tuple.localPort, fromPort });
    await transport.connect({ ip: "127.0.0.1", port: fromPort });
    const ssrc = randomInt(1, 2 ** 31);
    const producer = await transport.produce({
      kind: "video",
      rtpParameters: {
        codecs: [{ mimeType: "video/VP8", payloadType, clockRate: 90000 }],
        encodings: [{ ssrc }],
      },
      appData,
    });
    const ready = relay;
    return {
      producer,
      target: { port: ready.inputPort, payloadType, ssrc },
      close: () => {
        transport.close();
        ready.close();
      },
    };
  } catch (err) {
    transport.close();
    relay?.close();
    throw err;
  }
}
