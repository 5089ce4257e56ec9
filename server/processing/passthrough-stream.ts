import { defaultControls } from "../engine/index.js";
import type { FrameStream } from "./frame-stream.js";
import { lumaInto } from "./luma.js";

/** The live loop without the model: rgb24 → luma, so it feeds the same gray encoder as a sketch. */
export class PassthroughStream implements FrameStream {
  controls = { ...defaultControls };

  async process(frame: Uint8Array, width: number, height: number): Promise<Uint8Array> {
    const gray = new Uint8Array(width * height);
    lumaInto(frame, gray, width * height);
    return gray;
  }

  reset(): void {}

  close(): void {}
}
