// `sketchcast convert <input> <output> [--style …] [--detail …] [--temporal on|off] [--size WxH]`
// plus the engine's config flags (--ep, --threads, --model).

import { engineOptions } from "../config/engine-options.js";
import { loadConfig } from "../config/load.js";
import { SketchEngine, type StyleName, styleNames } from "../engine/index.js";
import { createCliLogger } from "../log.js";
import { convertFile } from "./convert-file.js";
import { ProgressBar } from "./progress-bar.js";

export class UsageError extends Error {
  override name = "UsageError";
}

export const convertFlags = {
  style: { type: "string" },
  detail: { type: "string" },
  temporal: { type: "string" },
  size: { type: "string" },
} as const;

export const convertUsage = `usage: sketchcast convert <input> <output> [--style ${styleNames.join("|")}] [--detail 0..1]
                          [--temporal on|off] [--size WxH] [--ep cpu|webgpu|cuda] [--threads N]
outputs: .mp4 (H.264) .webm (VP9) .mkv (FFV1, lossless) .y4m (raw); a picture in → .png or .jpg out`;

interface ConvertArgs {
  input: string;
  output: string;
  style: StyleName;
  detail: number;
  temporal: boolean;
  size?: { width: number; height: number };
}

function parseConvertArgs(positionals: string[], flags: Record<string, unknown>): ConvertArgs {
  const bad = (flag: string, expected: string) =>
    new UsageError(`invalid --${flag} "${flags[flag]}": expected ${expected}`);
  const [input, output, ...extra] = positionals;
  if (!input || !output) throw new UsageError(`convert needs an input and an output file\n${convertUsage}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n${convertUsage}`);
  const style = (flags.style ?? "pencil") as StyleName;
  if (!styleNames.includes(style)) throw bad("style", styleNames.join(", "));
  const detail = Number(flags.detail ?? 0.5);
  if (!(detail >= 0 && detail <= 1) || flags.detail === "") throw bad("detail", "a number 0..1");
  const temporal = flags.temporal ?? "on";
  if (temporal !== "on" && temporal !== "off") throw bad("temporal", "on or off");
  let size: ConvertArgs["size"];
  if (flags.size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(String(flags.size));
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw bad("size", "WIDTHxHEIGHT, e.g. 640x360");
    size = { width: Number(m[1]), height: Number(m[2]) };
  }
  return { input, output, style, detail, temporal: temporal === "on", size };
}

export async function convertCommand(positionals: string[], flags: Record<string, unknown>): Promise<void> {
  const args = parseConvertArgs(positionals, flags);
  // One intra-op thread unless asked otherwise: a conversion is throughput-bound and ffmpeg needs the
  // other core. Measured on 2 cores (10 s 640x360 clip, alternating runs): 1.92x real time with 1
  // thread vs 1.77x with 2 (the server's default, kept there for live latency), and 15.9 vs 20.0 ms
  // of CPU per frame in the engine.
  const threadsGiven = flags.threads !== undefined || process.env.SKETCHCAST_THREADS !== undefined;
  const config = loadConfig(threadsGiven ? flags : { ...flags, threads: "1" });
  const logger = createCliLogger("warn");
  // One stream: one worker, whatever the server's setting.
  const engine = await SketchEngine.create({ ...engineOptions(config, logger), workers: 1 });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const bar = new ProgressBar();
  const started = performance.now();
  try {
    const r = await convertFile(engine, { ...args, signal: abort.signal, onProgress: (p) => bar.update(p) });
    bar.done();
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(
      `wrote ${r.outputPath}: ${r.frames} frame${r.frames === 1 ? "" : "s"}` +
        (r.frames > 1
          ? `, ${r.durationSeconds.toFixed(2)} s of video in ${seconds.toFixed(1)} s (${(r.durationSeconds / seconds).toFixed(2)}× real time)`
          : "") +
        "\n",
    );
  } finally {
    bar.done();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await engine.close();
  }
}
