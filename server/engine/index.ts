// The engine's public surface: import from "server/engine/index.js".

export { isColorDrawing } from "./colorize.js";
export type { SketchControls } from "./controls.js";
export { defaultControls } from "./controls.js";
export { frameSizeProblem, maxFramePixels, maxFrameSide } from "./frame-limits.js";
export { SketchEngine, type SketchEngineOptions } from "./sketch-engine.js";
export { FrameSizeError, SketchStream } from "./sketch-stream.js";
export { drawnAs, type StyleName, styleNames } from "./styles.js";
