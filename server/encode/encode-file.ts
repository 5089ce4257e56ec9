// Drawings written into a media file by ffmpeg (raw gray or rgb24 frames on its stdin), with the
// audio of another file mapped in as a second input.
import { once } from "node:events";
import { type FfmpegProcess, spawnFfmpeg } from "../ffmpeg/ffmpeg.js";
import { untrustedInputArgs, withInputFile } from "../ffmpeg/untrusted-input.js";
import type { OutputFormat } from "./output-format.js";

export interface EncodeOptions {
  output: string;
  format: OutputFormat;
  width: number;
  height: number;
  /** rgb24 frames (colored pencil) instead of gray. */
  color: boolean;
  /** As ffmpeg writes rates ("30000/1001"): the input's, so frame count and duration match. */
  frameRate: string;
  /** Take the audio stream of this (untrusted) file, read with the demuxer and codec it was probed with. */
  audioFrom?: { path: string; demuxer: string; codec: string };
  /** Frames buffered towards ffmpeg before write() waits for it. Default 4. */
  behind?: number;
  signal?: AbortSignal;
}

export class FileEncoder {
  readonly ffmpeg: FfmpegProcess;
  private readonly maxBuffered: number;

  constructor(o: EncodeOptions) {
    const audio = o.audioFrom ? o.format.audio(o.audioFrom.codec) : null;
    this.maxBuffered = (o.behind ?? 4) * o.width * o.height * (o.color ? 3 : 1);
    const spawn = (fds: number[]) =>
      spawnFfmpeg(
        [
          ...[
            "-f",
            "rawvideo",
            "-pix_fmt",
            o.color ? "rgb24" : "gray",
            "-s",
            `${o.width}x${o.height}`,
            "-framerate",
            o.frameRate,
            "-i",
            "pipe:0",
          ],
          ...(audio && o.audioFrom ? untrustedInputArgs(3, o.audioFrom.demuxer) : []),
          ...["-map", "0:v:0", ...(audio ? ["-map", "1:a:0"] : [])],
          ...o.format.video(o.color),
          ...(audio ?? []),
          "-y",
          o.output,
        ],
        { name: "encode", signal: o.signal, fds },
      );
    this.ffmpeg = audio && o.audioFrom ? withInputFile(o.audioFrom.path, spawn) : spawn([]);
    this.ffmpeg.stdout.resume();
  }

  /** Queues one frame; waits only while more than `behind` frames are still unread by ffmpeg. */
  async write(frame: Uint8Array): Promise<void> {
    const stdin = this.ffmpeg.stdin;
    await this.checkReading();
    stdin.write(frame);
    if (stdin.writableLength > this.maxBuffered) {
      await Promise.race([once(stdin, "drain").catch(() => {}), this.ffmpeg.exited]);
      await this.checkReading();
    }
  }

  /** An ffmpeg that stopped reading has failed: throw its error (or say it stopped). */
  private async checkReading(): Promise<void> {
    if (this.ffmpeg.stdin.writable) return;
    await this.ffmpeg.wait();
    throw new Error("ffmpeg (encode) stopped reading frames");
  }

  /** Ends the input and waits for ffmpeg to finish the file. */
  async finish(): Promise<void> {
    this.ffmpeg.stdin.end();
    await this.ffmpeg.wait();
  }
}
