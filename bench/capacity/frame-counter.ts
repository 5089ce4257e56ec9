// The viewer's side without a browser: a plain consumer of the sketch producer into a UDP socket,
// counting the frames that arrive (RTP packets with the marker bit end a frame).
import { createSocket } from "node:dgram";
import type { types } from "mediasoup";
import { tapProducer } from "../../server/ingress/plain-rtp-tap.js";

export interface FrameCounter {
  /** Frames received so far. */
  readonly frames: number;
  close(): void;
}

export async function countFrames(router: types.Router, producer: types.Producer): Promise<FrameCounter> {
  const tap = await tapProducer(router, producer);
  const ssrc = tap.consumer.rtpParameters.encodings?.[0]?.ssrc;
  const pt = tap.consumer.rtpParameters.codecs[0]?.payloadType;
  const socket = createSocket("udp4");
  let frames = 0;
  socket.on("message", (p) => {
    // Skips RTCP (second byte 200-204, which reads as marker + PT 72-76) and anything not the video.
    if (p.length < 12 || ((p[1] as number) & 0x7f) !== pt || p.readUInt32BE(8) !== ssrc) return;
    if ((p[1] as number) & 0x80) frames++;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(tap.port, "127.0.0.1", () => resolve());
    });
    await tap.consumer.resume();
  } catch (err) {
    socket.close();
    tap.close();
    throw err;
  }
  return {
    get frames() {
      return frames;
    },
    close: () => {
      tap.close();
      socket.close();
    },
  };
}
