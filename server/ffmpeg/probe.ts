// probe(path): what a media file holds, from ffprobe's JSON. Non-media, empty, broken and absurdly
// large files become MediaErrors with one readable line. (ffprobe runs directly rather than through
// fluent-ffmpeg: its probe drops stderr on success, and stderr is where ffmpeg says
// "Picture size 20000x20000 is invalid".)
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { frameSizeProblem } from "../engine/frame-limits.js";
import { spawnFfprobe } from "./ffmpeg.js";
import { MediaError } from "./media-error.js";

export interface VideoInfo {
  width: number;
  height: number;
  codec: string;
  /** Frame rate as ffmpeg writes it ("30000/1001"), to hand back to ffmpeg unchanged. */
  frameRate: string;
  fps: number;
  /** From the container when it says, else duration × fps; undefined when unknown. */
  frameCount?: number;
}

export interface MediaInfo {
  path: string;
  format: string;
  durationSeconds?: number;
  /** A single picture (png, jpg, …) rather than a video. */
  still: boolean;
  video: VideoInfo;
  audio?: { codec: string };
}

type ProbeStream = Record<string, string | number | undefined> & {
  side_data_list?: { rotation?: number }[];
  tags?: { rotate?: string };
};

interface ProbeJson {
  streams?: ProbeStream[];
  format?: Record<string, string | number | undefined>;
}

const num = (v: unknown): number | undefined => {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && v !== "" ? n : undefined;
};

function rate(r: unknown): number | undefined {
  const [n, d] = String(r).split("/").map(Number);
  return n && d && Number.isFinite(n / d) ? n / d : undefined;
}

export async function probe(path: string, signal?: AbortSignal): Promise<MediaInfo> {
  const name = basename(path);
  const size = await stat(path).then(
    (s) => (s.isFile() ? s.size : -1),
    () => -1,
  );
  if (size < 0) throw new MediaError("not-media", `not a video or image file: ${name} does not exist`);
  if (size === 0) throw new MediaError("not-media", `not a video or image file: ${name} is empty`);

  const ff = spawnFfprobe(["-show_streams", "-show_format", "-of", "json", path], { name: "probe", signal });
  ff.stdin.end();
  let out = "";
  ff.stdout.setEncoding("utf8").on("data", (t: string) => {
    out += t;
  });
  const { code } = await ff.exited;
  signal?.throwIfAborted();
  const stderr = ff.stderrTail();
  const huge = /Picture size (\d+)x(\d+) is invalid/.exec(stderr);
  if (huge)
    throw new MediaError(
      "too-large",
      `video is ${huge[1]}x${huge[2]}; ${tooLarge(Number(huge[1]), Number(huge[2]))}`,
    );
  if (code !== 0) {
    // A cut-off MP4 lacks its index ("moov"); anything else named .mp4 says the same, so look at
    // whether the file starts like an MP4.
    const mp4 =
      /moov atom not found/.test(stderr) && (await head(path, 12)).subarray(4, 8).toString() === "ftyp";
    if (mp4 || /partial file|truncat|end of file/i.test(stderr)) {
      throw new MediaError("corrupt", `truncated or corrupt input: ${name}`);
    }
    throw new MediaError("not-media", `not a video or image file: ${name}`);
  }
  const data = JSON.parse(out) as ProbeJson;
  const streams = data.streams ?? [];
  const v = streams.find((s) => s.codec_type === "video" && num(s.width) && num(s.height));
  if (!v) throw new MediaError("not-media", `not a video or image file: ${name} has no video stream`);
  // ffmpeg applies rotation metadata when decoding (phone videos), so report the upright size.
  const rotation =
    num(v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation) ?? num(v.tags?.rotate) ?? 0;
  const sideways = Math.abs(rotation) % 180 === 90;
  const width = num(sideways ? v.height : v.width) as number;
  const height = num(sideways ? v.width : v.height) as number;
  if (frameSizeProblem(width, height)) {
    throw new MediaError("too-large", `video is ${width}x${height}; ${tooLarge(width, height)}`);
  }
  const a = streams.find((s) => s.codec_type === "audio");
  const format = String(data.format?.format_name ?? "");
  const still = /(^|,)image2|_pipe$/.test(format);
  // Stills and some containers have no usable rate; 25 is ffmpeg's own default.
  const frameRate = [v.avg_frame_rate, v.r_frame_rate].map(String).find((r) => rate(r)) ?? "25/1";
  const fps = rate(frameRate) as number;
  const durationSeconds = num(v.duration) ?? num(data.format?.duration);
  const frameCount = still
    ? 1
    : (num(v.nb_frames) ?? (durationSeconds ? Math.round(durationSeconds * fps) : undefined));
  return {
    path,
    format,
    durationSeconds,
    still,
    video: { width, height, codec: String(v.codec_name), frameRate, fps, frameCount },
    audio: a ? { codec: String(a.codec_name) } : undefined,
  };
}

function tooLarge(width: number, height: number): string {
  return (frameSizeProblem(width, height) ?? "").replace(/^.*; /, "");
}

async function head(path: string, bytes: number): Promise<Buffer> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(bytes), 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
