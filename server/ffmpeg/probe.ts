// probe(path): what a media file holds, from ffprobe's JSON. Non-media, empty, broken and absurdly
// large files become MediaErrors with one readable line. (ffprobe runs directly rather than through
// fluent-ffmpeg: its probe drops stderr on success, and stderr is where ffmpeg says
// "Picture size 20000x20000 is invalid".) Only the containers in untrusted-input.ts are accepted,
// and every probe ends within its timeout.
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { frameSizeProblem } from "../engine/frame-limits.js";
import { spawnFfprobe } from "./ffmpeg.js";
import { MediaError } from "./media-error.js";
import { allowedDemuxer, untrustedInputArgs, withInputFile } from "./untrusted-input.js";

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
  /** The allowed demuxer that read it: later ffmpegs are forced to use it (untrustedInputArgs). */
  demuxer: string;
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

export interface ProbeOptions {
  /** Kills ffprobe when aborted; probe() then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** ffprobe is killed after this long and the file refused. Default 15 s. */
  timeoutMs?: number;
}

export const defaultProbeTimeoutMs = 15_000;

export async function probe(path: string, o: ProbeOptions = {}): Promise<MediaInfo> {
  const name = basename(path);
  const size = await stat(path).then(
    (s) => (s.isFile() ? s.size : -2),
    () => -1,
  );
  if (size === -1) throw new MediaError("not-media", `not a video or image file: ${name} does not exist`);
  // A FIFO or device could block or never end.
  if (size === -2)
    throw new MediaError("not-media", `not a video or image file: ${name} is not a regular file`);
  if (size === 0) throw new MediaError("not-media", `not a video or image file: ${name} is empty`);

  const { code, out, stderr } = await withInputFile(path, (fds) => runFfprobe(fds, name, o));
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
    const refused = /\[(\w+) @ 0x[0-9a-f]+\] Format not on whitelist/.exec(stderr);
    if (refused)
      throw new MediaError(
        "not-media",
        `not an accepted video or image format: ${name} is ${refused[1]} (playlists, concat lists, manifests and image sequences are refused)`,
      );
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
  // ffprobe was given the allowlist, so this is a second line of defence.
  const demuxer = allowedDemuxer(format);
  if (!demuxer)
    throw new MediaError("not-media", `not an accepted video or image format: ${name} is ${format}`);
  const still = demuxer.endsWith("_pipe");
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
    demuxer,
    durationSeconds,
    still,
    video: { width, height, codec: String(v.codec_name), frameRate, fps, frameCount },
    audio: a ? { codec: String(a.codec_name) } : undefined,
  };
}

/**
 * Runs ffprobe on the file open as `fds[0]` and collects its JSON and stderr. It is killed when
 * `o.signal` aborts (rethrown) or after `o.timeoutMs` (a MediaError): a probe never hangs.
 */
export async function runFfprobe(
  fds: number[],
  name: string,
  o: ProbeOptions,
): Promise<{ code: number | null; out: string; stderr: string }> {
  const timeoutMs = o.timeoutMs ?? defaultProbeTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  const ff = spawnFfprobe(["-show_streams", "-show_format", "-of", "json", ...untrustedInputArgs(3)], {
    name: "probe",
    signal,
    fds,
  });
  ff.stdin.end();
  let out = "";
  ff.stdout.setEncoding("utf8").on("data", (t: string) => {
    out += t;
  });
  const { code } = await ff.exited;
  o.signal?.throwIfAborted();
  if (timeout.aborted)
    throw new MediaError(
      "timeout",
      `gave up reading ${name} after ${timeoutMs / 1000} s: not a complete video or image file`,
    );
  return { code, out, stderr: ff.stderrTail() };
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
