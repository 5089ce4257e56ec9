// A camera without a browser: ffmpeg draws a moving test pattern in real time, encodes it as VP8 and
// sends it as RTP into a PlainTransport producer, which the live pipeline taps like a browser's.
import { randomInt } from "node:crypto";
import type { types } from "mediasoup";
import { type FfmpegProcess, spawnFfmpeg } from "../../server/ffmpeg/ffmpeg.js";

const payloadType = 96;

export interface SyntheticCamera {
  producer: types.Producer;
  /** The generator; not part of the server (its CPU is reported apart). */
  process: FfmpegProcess;
  close(): Promise<void>;
}

/**
 * Stream `index` gets its own hue, so no two streams carry the same pixels. ffmpeg ignores the
 * keyframe requests (PLI) the pipeline sends, hence a keyframe every second: a decoder that joins
 * starts within one.
 */
export async function startSyntheticCamera(
  router: types.Router,
  index: number,
  width: number,
  height: number,
): Promise<SyntheticCamera> {
  // comedia: the transport learns ffmpeg's address from its first packet.
  const transport = await router.createPlainTransport({
    listenIp: "127.0.0.1",
    rtcpMux: true,
    comedia: true,
  });
  const ssrc = randomInt(1, 2 ** 31);
  const producer = await transport
    .produce({
      kind: "video",
      rtpParameters: {
        codecs: [{ mimeType: "video/VP8", payloadType, clockRate: 90000 }],
        encodings: [{ ssrc }],
      },
    })
    .catch((err: unknown) => {
      transport.close();
      throw err;
    });
  const port = transport.tuple.localPort;
  // Roughly what Chromium sends for a camera of this size.
  const bitrate = Math.round(width * height * 30 * 0.1);
  const ff = spawnFfmpeg(
    [
      ...["-re", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=30`],
      ...["-vf", `hue=h=${(index * 67) % 360}`, "-c:v", "libvpx", "-pix_fmt", "yuv420p"],
      ...["-deadline", "realtime", "-cpu-used", "8", "-lag-in-frames", "0", "-threads", "1"],
      ...["-b:v", String(bitrate), "-g", "30"],
      // No RTCP: ffmpeg sends it from a second socket, and comedia would lock onto whichever address
      // spoke first, ignoring the RTP from the other.
      ...["-f", "rtp", "-payload_type", String(payloadType), "-ssrc", String(ssrc), "-rtpflags", "skip_rtcp"],
      `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=1200`,
    ],
    { name: `synthetic camera ${index}` },
  );
  ff.stdout.resume(); // the stream's SDP, not needed
  return {
    producer,
    process: ff,
    close: async () => {
      ff.kill();
      transport.close();
      await ff.exited;
    },
  };
}
