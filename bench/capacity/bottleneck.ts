// Which stage stopped a capacity trial, read from where frames went missing, with the CPU figures
// that back it up.
import { type Stage, stages } from "./cpu-usage.js";
import type { TrialResult } from "./run-trial.js";

/** The server stage that used the most CPU (the synthetic cameras and other work are not the server). */
function busiest(r: TrialResult): string {
  const server = stages.filter(
    (s): s is Exclude<Stage, "sources" | "others"> => s !== "sources" && s !== "others",
  );
  const top = server.reduce((a, b) => (r.cpu[b] > r.cpu[a] ? b : a));
  return `${top} ${r.cpu[top]}% of a core`;
}

/**
 * Frames the decoders did not deliver point at ingest (the cameras, mediasoup, the decoders); frames
 * replaced in the mailbox before the model at the engine; frames replaced before the encoder at the
 * encoders. Whatever it is, on a shared box the stage may be short of CPU rather than slow itself:
 * "others" says how much of the box the rest of the machine took.
 */
export function bottleneck(r: TrialResult, streams: number, minFps: number): string {
  const cpu = `busiest server stage: ${busiest(r)}; sources ${r.cpu.sources}%, other work on the box ${r.cpu.others}%`;
  if (r.minDecodedFps < minFps)
    return `ingest: decoders delivered ${r.minDecodedFps.toFixed(1)} fps (${cpu})`;
  // The one engine worker runs the streams' frames in turn, so a stream's call includes the others'.
  if (r.dropped.model >= r.dropped.encoder && r.dropped.model > 0)
    return `engine: ${r.dropped.model} frames dropped before the model; a process call took ${r.processMs.toFixed(1)} ms (median, ${streams} stream(s) sharing the engine) where 30 fps needs every call ≤ 33.3 ms (${cpu})`;
  if (r.dropped.encoder > 0)
    return `encoder: ${r.dropped.encoder} frames dropped before the encoders (${cpu})`;
  return `latency, not throughput: p90 ${r.p90Ms.toFixed(1)} ms with no frame dropped (${cpu})`;
}
