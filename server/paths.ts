// Paths inside the repository, found from this file so they hold both when running the TypeScript
// sources (tsx, vitest) and the build under dist/ (one directory deeper).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
/** The committed models: the float original (GPU execution providers) and its int8 quantization
 *  (models/quantize.py), which CPU sessions run by default. */
export const modelPaths = {
  float: join(repoRoot, "models", "sketch.onnx"),
  int8: join(repoRoot, "models", "sketch-int8.onnx"),
};
export const clientDir = join(repoRoot, "dist", "client");
export const defaultDataDir = join(repoRoot, "data");
export const defaultMediasoupWorkerBin = join(
  repoRoot,
  ".deps/mediasoup/usr/lib/x86_64-linux-gnu/mediasoup/mediasoup-worker",
);
