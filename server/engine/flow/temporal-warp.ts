// Typed wrapper over the native flow + warp addon (native/temporal_warp.cc), which implements
// models/README.md "Runtime temporal inputs".
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "../../paths.js";

interface NativeTemporalWarp {
  next(frameRgb: Uint8Array, prevSketch: Uint8Array | null, outPrev: Uint8Array, outMask: Uint8Array): number;
  reset(): void;
  close(): void;
}

type NativeModule = { TemporalWarp: new (width: number, height: number) => NativeTemporalWarp };

const ADDON = join("server", "engine", "flow", "native", "build", "Release", "temporal_warp.node");

let native: NativeModule | undefined;

/** Loads the addon on first use, from the repo root (paths.ts), so this works from server/ sources
 *  (vitest, tsx) and from the compiled dist/server/. */
function loadNative(): NativeModule {
  if (native) return native;
  const path = join(repoRoot, ADDON);
  if (!existsSync(path)) throw new Error(`temporal-warp: ${ADDON} is missing; run \`npm run build:native\``);
  native = createRequire(import.meta.url)(path) as NativeModule;
  return native;
}

/**
 * Per-stream temporal state: remembers the previous frame and turns it, the current frame and the
 * previous output sketch into the model's `prev` and `mask` inputs. Synchronous, a few ms per frame,
 * one OpenCV thread. Width and height must be integers in [16, 4096].
 */
export class TemporalWarp {
  readonly width: number;
  readonly height: number;
  readonly #native: NativeTemporalWarp;

  constructor(width: number, height: number) {
    this.#native = new (loadNative().TemporalWarp)(width, height);
    this.width = width;
    this.height = height;
  }

  /** Feeds the current RGB24 frame (width*height*3). If there is a previous frame and prevSketch (width*height, uint8)
   *  is given, writes the warped previous sketch into outPrev and the validity mask into outMask (both width*height)
   *  per the model card's spec and returns the fraction of pixels with mask >= 128. Otherwise fills outPrev with 255,
   *  outMask with 0 and returns 0. Always remembers this frame's gray image as the next call's previous frame.
   *
   *  A return value below 0.3 is a scene cut: outPrev and outMask are then already 255 and 0 (spec step 5).
   *  prevSketch may be the same buffer as outPrev. Throws TypeError/RangeError on wrong types or sizes. */
  next(
    frameRgb: Uint8Array,
    prevSketch: Uint8Array | null,
    outPrev: Uint8Array,
    outMask: Uint8Array,
  ): number {
    return this.#native.next(frameRgb, prevSketch, outPrev, outMask);
  }

  /** Forgets the previous frame (scene cut, resolution change). */
  reset(): void {
    this.#native.reset();
  }

  /** Frees the native buffers now rather than at garbage collection; later next()/reset() calls throw. */
  close(): void {
    this.#native.close();
  }
}
