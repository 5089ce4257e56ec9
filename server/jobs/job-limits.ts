// What one upload may ask of the server, checked from its probe before the job is queued: a
// hostile 100 KB clip can claim 8K at 60 fps for hours, and every one of those pixels is engine
// time taken from live viewers.
import type { Config } from "../config/schema.js";
import type { MediaInfo } from "../ffmpeg/probe.js";

export type JobLimits = Config["job"];

/** Why this input is refused, or undefined when it is within the limits. */
export function jobLimitProblem(info: MediaInfo, limits: JobLimits): string | undefined {
  // A picture is one frame: its size is bounded by the engine's frame limits alone.
  if (info.still) return undefined;
  const { width, height, fps, frameCount } = info.video;
  const pixelRate = width * height * fps;
  if (pixelRate > limits.maxPixelRate)
    return `video is ${width}x${height} at ${round(fps)} fps (${mpx(pixelRate)} Mpx/s); the limit is ${mpx(limits.maxPixelRate)} Mpx/s`;
  if (info.durationSeconds !== undefined && info.durationSeconds > limits.maxDurationS)
    return `video is ${round(info.durationSeconds)} s long; the limit is ${limits.maxDurationS} s`;
  if (frameCount !== undefined && frameCount > limits.maxFrames)
    return `video has ${frameCount} frames; the limit is ${limits.maxFrames}`;
  return undefined;
}

const round = (n: number) => Math.round(n * 100) / 100;
const mpx = (n: number) => round(n / 1e6);
