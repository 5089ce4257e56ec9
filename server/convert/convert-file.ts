// convertFile: a video or picture file in, its sketch out, with the input's audio, frame count and
// duration. Decode (ffmpeg) → engine (in order, one stream) → encode (ffmpeg) run as a pipeline:
// the decoder reads up to 4 frames ahead, the engine holds up to `inFlight` frames (so its worker
// goes on to the next frame without waiting for this thread to take the last drawing and send the
// next frame), and the encoder takes up to 4 frames behind, no more.
import { rm } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { decodeFile } from "../decode/decode-file.js";
import { TruncatedFrameError } from "../decode/frame-reader.js";
import { FileEncoder } from "../encode/encode-file.js";
import { outputFormat } from "../encode/output-format.js";
import type { SketchEngine, StyleName } from "../engine/index.js";
import { drawnAs, frameSizeProblem } from "../engine/index.js";
import { FfmpegError } from "../ffmpeg/ffmpeg.js";
import { MediaError } from "../ffmpeg/media-error.js";
import { probe } from "../ffmpeg/probe.js";

export interface ConvertProgress {
  frames: number;
  totalFrames?: number;
  /** Frames per second so far. */
  fps: number;
  etaSeconds?: number;
}

export interface ConvertOptions {
  input: string;
  output: string;
  style?: StyleName;
  detail?: number;
  temporal?: boolean;
  /** Scale frames to this size first. */
  size?: { width: number; height: number };
  /** How long probing may take (probe()'s default otherwise). */
  probeTimeoutMs?: number;
  /** Aborting kills both ffmpegs and deletes the partial output. */
  signal?: AbortSignal;
  /** Awaited after each frame is written (a conversion that must leave CPU time to others). */
  pace?: () => Promise<void>;
  /** Called at most every 250 ms, and for the last frame. */
  onProgress?: (p: ConvertProgress) => void;
}

export interface ConvertResult {
  frames: number;
  durationSeconds: number;
  outputPath: string;
}

const progressEveryMs = 250;
/** Frames handed to the engine ahead of the encoder; the engine computes their optical flow while
 *  it draws the frame before (flow-ahead.ts). Measured on 2 cores (10 s 640x360 clip, int8 model,
 *  1 thread, alternating runs, before the flow ran ahead): 1.85x real time on average with 1 in
 *  flight, 1.92x with 2, 1.99x with 3, 1.95x with 4 (single runs vary by about ±0.1x); with the flow
 *  ahead 5 in flight did no better than 3. */
const inFlight = 3;

export async function convertFile(engine: SketchEngine, o: ConvertOptions): Promise<ConvertResult> {
  const output = resolve(o.output);
  if (output === resolve(o.input))
    throw new MediaError("unsupported-output", "the output would overwrite the input");
  const info = await probe(o.input, { signal: o.signal, timeoutMs: o.probeTimeoutMs });
  const format = outputFormat(output, info.still);
  const { width, height } = o.size ?? info.video;
  const problem = frameSizeProblem(width, height);
  if (problem) throw new MediaError("too-large", problem.replace(/^frame/, "video"));

  // Our own controller, so that any failure stops both ffmpegs, not only the caller's abort.
  const stop = new AbortController();
  const onAbort = () => stop.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onAbort, { once: true });
  const stream = engine.createStream({ style: o.style, detail: o.detail, temporal: o.temporal }, inFlight);
  const decoder = decodeFile(info, {
    width,
    height,
    scale: o.size !== undefined,
    signal: stop.signal,
  });
  const encoder = new FileEncoder({
    output,
    format,
    width,
    height,
    color: drawnAs(o.style ?? "pencil").color,
    frameRate: info.video.frameRate,
    audioFrom: info.audio ? { path: o.input, demuxer: info.demuxer, codec: info.audio.codec } : undefined,
    signal: stop.signal,
  });
  const started = performance.now();
  let frames = 0;
  let reported = 0;
  try {
    const drawing: Promise<Uint8Array>[] = [];
    const encodeOldest = async () => {
      await encoder.write(await (drawing.shift() as Promise<Uint8Array>));
      frames++;
      await o.pace?.();
      const now = performance.now();
      if (o.onProgress && now - reported >= progressEveryMs) {
        reported = now;
        o.onProgress(progress(frames, info.video.frameCount, now - started));
      }
    };
    for (let frame = await decoder.frames.next(); frame; frame = await decoder.frames.next()) {
      const sketch = stream.process(frame, width, height);
      // Handled here, awaited in order: a failure is thrown once, by encodeOldest.
      sketch.catch(() => {});
      drawing.push(sketch);
      if (drawing.length >= inFlight) await encodeOldest();
    }
    while (drawing.length > 0) await encodeOldest();
    await decoder.ffmpeg.wait();
    if (frames === 0)
      throw new MediaError("corrupt", `truncated or corrupt input: ${basename(o.input)} has no frames`);
    await encoder.finish();
    o.onProgress?.(progress(frames, frames, performance.now() - started));
    return { frames, durationSeconds: frames / info.video.fps, outputPath: output };
  } catch (err) {
    const failure = o.signal?.aborted ? o.signal.reason : readable(err, o.input);
    stop.abort(failure);
    await Promise.all([decoder.ffmpeg.exited, encoder.ffmpeg.exited]);
    await rm(output, { force: true });
    throw failure;
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    stream.close();
  }
}

function progress(frames: number, totalFrames: number | undefined, elapsedMs: number): ConvertProgress {
  const fps = frames / Math.max(elapsedMs / 1000, 1e-3);
  const total = totalFrames && totalFrames >= frames ? totalFrames : undefined;
  return { frames, totalFrames: total, fps, etaSeconds: total ? (total - frames) / fps : undefined };
}

/** Decoder failures mean the input is broken; say so in one line. */
function readable(err: unknown, input: string): unknown {
  const decodeFailed =
    (err instanceof FfmpegError && /\(decode\)/.test(err.message)) || err instanceof TruncatedFrameError;
  if (!decodeFailed) return err;
  const detail = (err as Error).message
    .replace(/^ffmpeg \(decode\) failed: /, "")
    .replace(/^file:\/dev\/fd\/\d+: /, "");
  return new MediaError("corrupt", `truncated or corrupt input: ${basename(input)} (${detail})`);
}
