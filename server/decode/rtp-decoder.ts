import { type FfmpegProcess, spawnFfmpeg } from "../ffmpeg/ffmpeg.js";
import { waitForUdpListener } from "../net/local-udp-port.js";
import { PpmFrameReader, type RgbFrame } from "./ppm-frame-reader.js";

/** ffmpeg's verbose log line for each (re)configuration of the filter graph's input. */
const graphInput = /input from stream \S+ @ [^\]]*\] w:(\d+) h:(\d+) /;

/**
 * Starts ffmpeg decoding one live RTP video stream (described by `sdp`, given on stdin) into RGB
 * frames (PPM images: rgb24 pixels behind a tiny header with the size). Resolves once ffmpeg
 * listens on `port`, so RTP may flow.
 *
 * ffmpeg sizes its output by the first frame and scales every later frame to that size, so when
 * the camera changes resolution (browsers start small and ramp up) the frames keep the old size.
 * Its encoder cannot change size mid-stream, so this decoder reports the change instead
 * (`onSourceResized`, read from the filter graph's reconfiguration in ffmpeg's log) and its owner
 * moves to a fresh decoder, which sizes itself by the new frames.
 */
export async function startRtpDecoder(
  sdp: string,
  port: number,
  onFrame: (frame: RgbFrame) => void,
  onSourceResized: (width: number, height: number) => void,
  /** Frames larger than this are scaled down to fit (aspect kept, even sizes); default: as sent. */
  fit?: { width: number; height: number },
): Promise<FfmpegProcess> {
  let first: string | undefined;
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
      ...(fit ? ["-vf", fitFilter(fit.width, fit.height)] : []),
      ...["-f", "image2pipe", "pipe:1"],
    ],
    {
      name: "live decode",
      logLevel: "verbose",
      onStderrLine: (line) => {
        const m = graphInput.exec(line);
        if (!m) return;
        const size = `${m[1]}x${m[2]}`;
        first ??= size;
        if (size !== first) onSourceResized(Number(m[1]), Number(m[2]));
      },
    },
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

/** Scales down (never up) to fit width x height, keeping the aspect; even sizes for the encoder. */
function fitFilter(width: number, height: number): string {
  return `scale=w='min(iw,${width})':h='min(ih,${height})':force_original_aspect_ratio=decrease:force_divisible_by=2`;
}
