// Engine figures on the shared registry.
import { Counter, Gauge, Histogram } from "prom-client";
import { metrics } from "../metrics.js";

export const framesProcessed = new Counter({
  name: "sketchcast_frames_processed_total",
  help: "Frames turned into sketches",
  registers: [metrics],
});

export const frameMs = new Histogram({
  name: "sketchcast_engine_frame_ms",
  help: "Per-frame engine time in ms: the network, the warp, and any optical flow still running when the frame's turn came",
  buckets: [5, 10, 20, 30, 40, 60, 80, 120, 200, 400],
  registers: [metrics],
});

export const batchSize = new Histogram({
  name: "sketchcast_engine_batch_size",
  help: "Frames per network run: several streams' frames of one padded size share a run (batch.maxSize)",
  buckets: [1, 2, 3, 4, 6, 8, 12, 16, 32, 64],
  registers: [metrics],
});

export const sceneCuts = new Counter({
  name: "sketchcast_scene_cuts_total",
  help: "Frames whose temporal state was dropped because the flow found too little of the previous frame",
  registers: [metrics],
});

export const activeEp = new Gauge({
  name: "sketchcast_engine_execution_provider",
  help: "1 for the onnxruntime execution provider in use",
  labelNames: ["ep"],
  registers: [metrics],
});
