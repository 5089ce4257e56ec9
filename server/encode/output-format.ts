// What each output extension is written as. Video outputs keep the input's audio: copied when the
// container takes the codec, else transcoded to the container's usual codec.
import { extname } from "node:path";
import { MediaError } from "../ffmpeg/media-error.js";

export interface OutputFormat {
  /** A single picture (the input must be one too). */
  still: boolean;
  /** ffmpeg output options for the video: a gray drawing, or a coloured one (colored pencil). */
  video: (color: boolean) => string[];
  /** ffmpeg output options for an audio stream of the given codec, or null: no audio. */
  audio: (codec: string) => string[] | null;
}

// 4:2:0 needs even sizes; pad the odd row/column with paper white rather than scale.
const evenPad = ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white", "-pix_fmt", "yuv420p"];
const copyOr = (copyable: string[], transcode: string[]) => (codec: string) =>
  copyable.includes(codec) ? ["-c:a", "copy"] : transcode;

const formats: Record<string, OutputFormat> = {
  ".mp4": {
    still: false,
    video: () => [
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-crf",
      "20",
      ...evenPad,
      "-movflags",
      "+faststart",
    ],
    audio: copyOr(["aac", "mp3"], ["-c:a", "aac", "-b:a", "160k"]),
  },
  ".webm": {
    still: false,
    video: () => [
      "-c:v",
      "libvpx-vp9",
      "-crf",
      "34",
      "-b:v",
      "0",
      "-deadline",
      "realtime",
      "-cpu-used",
      "8",
      "-row-mt",
      "1",
      ...evenPad,
    ],
    audio: copyOr(["opus", "vorbis"], ["-c:a", "libopus", "-b:a", "128k"]),
  },
  ".mkv": {
    still: false,
    video: (color) => ["-c:v", "ffv1", "-level", "3", "-pix_fmt", color ? "bgr0" : "gray"],
    audio: () => ["-c:a", "copy"],
  },
  // Raw frames; the format has no audio.
  ".y4m": {
    still: false,
    video: (color) => ["-f", "yuv4mpegpipe", "-pix_fmt", color ? "yuv444p" : "gray"],
    audio: () => null,
  },
  ".png": {
    still: true,
    video: (color) => ["-c:v", "png", "-pix_fmt", color ? "rgb24" : "gray", "-frames:v", "1", "-update", "1"],
    audio: () => null,
  },
  ".jpg": {
    still: true,
    video: () => ["-c:v", "mjpeg", "-q:v", "2", "-pix_fmt", "yuvj444p", "-frames:v", "1", "-update", "1"],
    audio: () => null,
  },
};
formats[".jpeg"] = formats[".jpg"] as OutputFormat;

export const outputExtensions = Object.keys(formats);

/** The format for an output path, given whether the input is a still picture. */
export function outputFormat(path: string, stillInput: boolean): OutputFormat {
  const ext = extname(path).toLowerCase();
  const format = formats[ext];
  if (!format) {
    throw new MediaError(
      "unsupported-output",
      `unsupported output format "${ext || path}": use ${outputExtensions.join(", ")}`,
    );
  }
  if (format.still && !stillInput) {
    const videos = outputExtensions.filter((e) => !formats[e]?.still).join(", ");
    throw new MediaError("unsupported-output", `cannot write a video to ${ext}: use ${videos}`);
  }
  return format;
}
