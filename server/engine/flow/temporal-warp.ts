// Typed wrapper over the native flow + warp addon (native/temporal_warp.cc), which implements
// models/README.md "Runtime temporal inputs" (and step 6, the hold, on the network's output).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "../../paths.js";

interface NativeTemporalWarp {
  next(frameRgb: Uint8Array, prevSketch: Uint8Array | null, outPrev: Uint8Array, outMask: Uint8Array): number;
  analyzeAsync(frameRgb: Uint8Array): Promise<number>;
  warp(prevSketch: Uint8Array | null, outPrev: Uint8Array, outMask: Uint8Array): number;
  hold(sketch: Uint8Array, prev: Uint8Array, mask: Uint8Array): void;
  reset(): void;
  close(): void;
}

type NativeModule = {
  TemporalWarp: new (width: number, height: number) => NativeTemporalWarp;
  releaseFreedMemory(): boolean;
};

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

/** Gives the free pages of the process's heaps back to the OS (glibc's malloc_trim; native/
 *  release_memory.cc): after a large frame's buffers are freed, the heaps keep them otherwise. In the
 *  addon because it is the project's one native module. */
export function releaseFreedMemory(): boolean {
  return loadNative().releaseFreedMemory();
}

/**
 * Per-stream temporal state: remembers the previous frame and turns it, the current frame and the
 * previous output sketch into the model's `prev` and `mask` inputs. A few ms per frame, one OpenCV
 * thread. Width and height must be integers in [16, 4096].
 *
 * Either next() per frame (synchronous), or the frame's analysis (flow and mask, everything but the
 * previous drawing) on a libuv pool thread with analyzeAsync() and then warp(): analyses run one at a
 * time in call order, each queued one starting as the one before ends, without the JS thread.
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
   *  outMask with 0 and returns 0. Always remembers this frame's gray image as the next call's previous frame, and its
   *  flow (computed without a sketch too) for the next call's zero motion.
   *
   *  A return value below 0.3 is a scene cut: outPrev and outMask are then already 255 and 0 (spec step 5).
   *  prevSketch may be the same buffer as outPrev. Throws TypeError/RangeError on wrong types or sizes, and an Error
   *  while analyzeAsync() calls are pending (their analyses are queued for warp()). */
  next(
    frameRgb: Uint8Array,
    prevSketch: Uint8Array | null,
    outPrev: Uint8Array,
    outMask: Uint8Array,
  ): number {
    return this.#native.next(frameRgb, prevSketch, outPrev, outMask);
  }

  /** Starts the analysis of the next RGB24 frame (width*height*3) on a pool thread and remembers the frame as the
   *  next one's previous frame, as next() does. Settles with the fraction of pixels found valid (0 without a previous
   *  frame); a rejected analysis is not queued for warp(). frameRgb must not be written or transferred until then. */
  analyzeAsync(frameRgb: Uint8Array): Promise<number> {
    return this.#native.analyzeAsync(frameRgb);
  }

  /** next()'s outputs and return value for the oldest analysis not yet warped (throws when its analyzeAsync() has not
   *  settled): the previous sketch warped into the analyzed frame, or paper and mask 0. */
  warp(prevSketch: Uint8Array | null, outPrev: Uint8Array, outMask: Uint8Array): number {
    return this.#native.warp(prevSketch, outPrev, outMask);
  }

  /** Spec step 6, in place on the network's drawing (width*height) of the frame warped last by next() or warp(),
   *  given that call's outPrev and outMask: where the previous drawing was copied rather than resampled, a change
   *  of at most 3 levels (at mask 255) keeps the previous drawing, a larger one passes 3 levels short. Once per warp;
   *  throws without one. */
  hold(sketch: Uint8Array, prev: Uint8Array, mask: Uint8Array): void {
    this.#native.hold(sketch, prev, mask);
  }

  /** Forgets the previous frame (scene cut, resolution change), between the frames given before and after it. */
  reset(): void {
    this.#native.reset();
  }

  /** Frees the native buffers now rather than at garbage collection, after waiting for pending analyses (a few ms
   *  each); later calls throw. */
  close(): void {
    this.#native.close();
  }
}
