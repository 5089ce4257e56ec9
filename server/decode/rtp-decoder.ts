import { type FfmpegProcess, spawnFfmpeg } from "../ffmpeg/ffmpeg.js";
import { waitForUdpListener } from "../live/local-udp-port.js";
import { PpmFrameReader, type RgbFrame } from "./ppm-frame-reader.js";

/**
 * Starts ffmpeg decoding one live RTP video stream (described by `sdp`, given on stdin) into RGB
 * frames. Frames come out as PPM images, i.e. rgb24 pixels behind a tiny header with the size, so
 * a camera that changes resolution mid-stream needs no restart. Resolves once ffmpeg listens on
 * `port`, so RTP may flow.
 */
export async function startRtpDecoder(
  sdp: string,
  port: number,
  onFrame: (frame: RgbFrame) => void,
): Promise<FfmpegProcess> {
  const ff = spawnFfmpeg(
    [
      ...["-protocol_whitelist", "pipe,udp,rtp", "-f", "sdp"],
      // No probing: the decoder learns the size from the first keyframe, and a probe would hold
      // back the first frames (up to a second) to guess a frame rate nobody needs.
      ...["-probesize", "32", "-analyzeduration", "0"],
      // Frame-threaded decoding holds ~2 frames back.
      ...["-flags", "low_delay", "-threads", "1", "-i", "pipe:0"],
      // Without passthrough ffmpeg duplicates frames to a guessed rate and latency grows unbounded.
      ...["-map", "0:v:0", "-fps_mode", "passthrough", "-pix_fmt", "rgb24", "-c:v", "ppm"],
      ...["-f", "image2pipe", "pipe:1"],
    ],
    { name: "live decode" },
  );
  const reader = new PpmFrameReader(onFrame);
  ff.stdout.on("data", (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch {
      ff.kill(); // Out of sync with ffmpeg's output: the owner sees the exit and restarts it.
    }
  });
  ff.stdin.end(sdp);
  try {
    await Promise.race([
      waitForUdpListener(port, 5000),
      ff.exited.then(() => Promise.reject(new Error(`live decoder exited: ${ff.stderrTail()}`))),
    ]);
  } catch (err) {
    ff.kill();
    throw err;
  }
  return ff;
}
