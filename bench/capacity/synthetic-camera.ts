// A camera without a browser: a moving test pattern encoded as VP8 once, then replayed in a loop in
// real time as RTP into a PlainTransport producer, which the live pipeline taps like a browser's.
// Replaying copies packets (a few % of a core) where encoding live cost ~11 % per camera, which a
// real call's cameras (browsers elsewhere) do not take from the server.
import { randomInt } from "node:crypto";
import { access, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { types } from "mediasoup";
import { type FfmpegProcess, spawnFfmpeg } from "../../server/ffmpeg/ffmpeg.js";

const payloadType = 96;

export interface SyntheticCamera {
  producer: types.Producer;
  /** The generator; not part of the server (its CPU is reported apart). */
  process: FfmpegProcess;
  close(): Promise<void>;
}

const clipSeconds = 10;

/** The encoded clip of camera `index` at this size (made once, kept in the temp directory). */
async function cameraClip(index: number, width: number, height: number): Promise<string> {
  const hue = (index * 67) % 360;
  const path = join(tmpdir(), `sketchcast-bench-camera-${width}x${height}-h${hue}.ivf`);
  if (
    await access(path).then(
      () => true,
      () => false,
    )
  )
    return path;
  // Roughly what Chromium sends for a camera of this size.
  const bitrate = Math.round(width * height * 30 * 0.1);
  const partial = `${path}.${process.pid}.part`;
  await spawnFfmpeg(
    [
      ...["-y", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=30:duration=${clipSeconds}`],
      ...["-vf", `hue=h=${hue}`, "-c:v", "libvpx", "-pix_fmt", "yuv420p"],
      ...["-deadline", "realtime", "-cpu-used", "8", "-lag-in-frames", "0", "-threads", "1"],
      ...["-b:v", String(bitrate), "-g", "30", "-f", "ivf", partial],
    ],
    { name: "synthetic camera clip" },
  ).wait();
  await rename(partial, path);
  return path;
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
  const clip = await cameraClip(index, width, height).catch((err: unknown) => {
    transport.close();
    throw err;
  });
  const ff = spawnFfmpeg(
    [
      ...["-re", "-stream_loop", "-1", "-i", clip, "-c:v", "copy"],
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
