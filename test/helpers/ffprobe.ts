// What ffprobe says about an output file (frames counted by decoding), for asserting on results.
import { spawnFfprobe } from "../../server/ffmpeg/ffmpeg.js";

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  nb_read_frames?: string;
  duration?: string;
}

export async function probeStreams(path: string): Promise<{ streams: ProbedStream[]; duration: number }> {
  const ff = spawnFfprobe(["-count_frames", "-show_streams", "-show_format", "-of", "json", path], {
    name: "test probe",
  });
  ff.stdin.end();
  let out = "";
  ff.stdout.setEncoding("utf8").on("data", (t: string) => {
    out += t;
  });
  await ff.wait();
  const json = JSON.parse(out) as { streams: ProbedStream[]; format: { duration?: string } };
  return { streams: json.streams, duration: Number(json.format.duration) };
}

export const videoFrames = (s: { streams: ProbedStream[] }) =>
  Number(s.streams.find((x) => x.codec_type === "video")?.nb_read_frames);
