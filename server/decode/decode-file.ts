// A media file decoded by ffmpeg into rgb24 frames, every frame exactly once
// (`-fps_mode passthrough`: no duplicates or drops), optionally scaled. The file is untrusted: it is
// read with the demuxer it was probed with and nothing else (untrusted-input.ts).
import { type FfmpegProcess, spawnFfmpeg } from "../ffmpeg/ffmpeg.js";
import type { MediaInfo } from "../ffmpeg/probe.js";
import { untrustedInputArgs, withInputFile } from "../ffmpeg/untrusted-input.js";
import { FrameReader } from "./frame-reader.js";

export interface FileDecoder {
  width: number;
  height: number;
  frames: FrameReader;
  ffmpeg: FfmpegProcess;
}

export interface DecodeOptions {
  width: number;
  height: number;
  /** Scale to width×height (else they must be the file's own size). */
  scale: boolean;
  /** Frames decoded ahead of the consumer (bounded read-ahead). Default 4. */
  ahead?: number;
  signal?: AbortSignal;
}

/** Decoder threads: each holds frames in flight, so more threads means more memory per job. */
const decoderThreads = 2;

export function decodeFile(input: Pick<MediaInfo, "path" | "demuxer">, o: DecodeOptions): FileDecoder {
  const ffmpeg = withInputFile(input.path, (fds) =>
    spawnFfmpeg(
      [
        // Stop at the first broken packet: a truncated file must fail, not end early and look fine.
        "-xerror",
        "-threads",
        String(decoderThreads),
        ...untrustedInputArgs(3, input.demuxer),
        "-map",
        "0:v:0",
        "-fps_mode",
        "passthrough",
        ...(o.scale ? ["-vf", `scale=${o.width}:${o.height}:flags=bicubic`] : []),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:1",
      ],
      { name: "decode", signal: o.signal, fds },
    ),
  );
  ffmpeg.stdin.end();
  return {
    width: o.width,
    height: o.height,
    ffmpeg,
    frames: new FrameReader(ffmpeg.stdout, o.width * o.height * 3, o.ahead ?? 4),
  };
}
