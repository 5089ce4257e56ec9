// How large a live camera is drawn. The network's cost grows with the pixels it draws: on two CPU
// cores a 1280x720 frame's step (≈ 35 ms) does not fit 30 fps even for one stream, while 640x360
// leaves room for several (README, Performance). So on cpu a larger camera is scaled down to 640x360
// before drawing and its sketch is sent at that size (the viewer's player scales it up, as it would
// an upscaled stream, without the encoder spending CPU on pixels that carry nothing new); a GPU
// draws up to 1280x720. Call tiles and WHIP publishers have their own sizes; the smaller one wins.
import type { ExecutionProvider } from "../engine/execution-provider.js";

export interface FrameSize {
  width: number;
  height: number;
}

const cpuSketchSize: FrameSize = { width: 640, height: 360 };
const gpuSketchSize: FrameSize = { width: 1280, height: 720 };

/** The configured `live.sketchSize`, with "auto" resolved by the provider the engine runs on. */
export function liveSketchSize(setting: "auto" | FrameSize, ep: ExecutionProvider): FrameSize {
  if (setting !== "auto") return setting;
  return ep === "cpu" ? cpuSketchSize : gpuSketchSize;
}

/** Fitting into `a` and then into `b` (aspect kept, scaled down only) is fitting into this. */
export function withinBoth(a: FrameSize | undefined, b: FrameSize): FrameSize {
  return a ? { width: Math.min(a.width, b.width), height: Math.min(a.height, b.height) } : b;
}
