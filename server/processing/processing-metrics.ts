import { Counter, Gauge, Histogram } from "prom-client";
import { metrics } from "../metrics.js";

export const liveFramesIn = new Counter({
  name: "sketchcast_live_frames_in_total",
  help: "Frames decoded from browsers' live streams",
  registers: [metrics],
});

export const liveFramesOut = new Counter({
  name: "sketchcast_live_frames_out_total",
  help: "Processed frames handed to the live VP8 encoders",
  registers: [metrics],
});

export const liveFramesDropped = new Counter({
  name: "sketchcast_live_frames_dropped_total",
  help: "Live frames dropped because the model or the encoder was still busy with an older one",
  labelNames: ["stage"],
  registers: [metrics],
});

export const liveProcessMs = new Histogram({
  name: "sketchcast_live_process_ms",
  help: "Per-frame processing time in the live loop (model or passthrough), ms",
  buckets: [1, 2, 5, 10, 20, 30, 40, 60, 100, 200],
  registers: [metrics],
});

export const liveLatencyMs = new Histogram({
  name: "sketchcast_live_latency_ms",
  help: "Time from a decoded live frame to its processed frame handed to the encoder (wait + processing), ms",
  buckets: [5, 10, 20, 30, 40, 50, 60, 80, 100, 200],
  registers: [metrics],
});

export const livePipelines = new Gauge({
  name: "sketchcast_live_pipelines",
  help: "Live pipelines running (one per browser camera stream)",
  registers: [metrics],
});

export const liveFfmpegRestarts = new Counter({
  name: "sketchcast_live_ffmpeg_restarts_total",
  help: "Live decoder/encoder ffmpegs restarted after they exited unexpectedly",
  labelNames: ["role"],
  registers: [metrics],
});
