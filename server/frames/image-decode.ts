// A PNG or JPEG from a frame message → packed RGB, with one ffmpeg per picture. The bytes are
// untrusted: they go in on stdin, read by the one demuxer the header named (forced with -f and
// whitelisted, both from untrusted-input.ts's allowlist), with only the pipe protocol; the decoder
// refuses pictures above the engine's pixel limit before allocating them.
import { PpmFrameReader, type RgbFrame } from "../decode/ppm-frame-reader.js";
import { frameSizeProblem, maxFramePixels } from "../engine/index.js";
import { spawnFfmpeg } from "../ffmpeg/ffmpeg.js";
import type { allowedDemuxers } from "../ffmpeg/untrusted-input.js";

export class ImageDecodeError extends Error {
  override name = "ImageDecodeError";
}

const demuxers = { png: "png_pipe", jpeg: "jpeg_pipe" } as const satisfies Record<
  string,
  (typeof allowedDemuxers)[number]
>;
const signatures = { png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], jpeg: [0xff, 0xd8, 0xff] };

/** How long one picture may take to decode. */
const decodeTimeoutMs = 10_000;

export async function decodeImage(
  format: "png" | "jpeg",
  bytes: Uint8Array,
  signal: AbortSignal,
): Promise<RgbFrame> {
  // Garbage is refused here, without starting a process.
  if (!signatures[format].every((b, i) => bytes[i] === b))
    throw new ImageDecodeError(`the payload is not a ${format.toUpperCase()} picture`);
  const demuxer = demuxers[format];
  const ff = spawnFfmpeg(
    [
      "-protocol_whitelist",
      "pipe",
      "-format_whitelist",
      demuxer,
      "-f",
      demuxer,
      "-max_pixels",
      String(maxFramePixels),
      "-i",
      "pipe:0",
      "-frames:v",
      "1",
      "-f",
      "image2pipe",
      "-c:v",
      "ppm",
      "-pix_fmt",
      "rgb24",
      "pipe:1",
    ],
    { name: `decode ${format}`, signal: AbortSignal.any([signal, AbortSignal.timeout(decodeTimeoutMs)]) },
  );
  let frame: RgbFrame | undefined;
  const reader = new PpmFrameReader((f) => {
    frame ??= f;
  });
  ff.stdout.on("data", (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch {
      ff.kill();
    }
  });
  ff.stdin.end(bytes);
  try {
    await ff.wait();
  } catch (err) {
    if (signal.aborted) throw err;
    throw new ImageDecodeError(
      `cannot decode the ${format.toUpperCase()} picture: ${(err as Error).message}`,
    );
  }
  if (!frame) throw new ImageDecodeError(`the ${format.toUpperCase()} payload holds no picture`);
  const problem = frameSizeProblem(frame.width, frame.height);
  if (problem) throw new ImageDecodeError(problem);
  return frame;
}
