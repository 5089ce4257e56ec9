// `npm run bench -- flow`: TemporalWarp.next() (flow + warp + mask) per frame on a moving synthetic
// scene, at 640x360 (flow at full resolution) and 1280x720 (flow on a half-size copy), and at 640x360
// from a still camera with sensor noise (a webcam's view: only the object moves); and the part of it
// that the engine leaves on its JS thread: warp() after analyzeAsync() (flow-ahead.ts), and hold().
import { cpus, loadavg } from "node:os";
import { TemporalWarp } from "../server/engine/flow/temporal-warp.js";
import { crop, grayToRgb, texture, withSensorNoise } from "../test/helpers/texture.js";
import { type BenchSection, median, percentile } from "./section.js";

const FRAMES = 30;

/** A camera panning along an ellipse over a textured world (or standing still, with ±2 levels of
 *  fresh sensor noise each frame), with an object crossing the view. */
function scene(width: number, height: number, camera: "pan" | "still") {
  const margin = 64;
  const cw = width + 2 * margin;
  const world = texture(cw, height + 2 * margin, 5);
  const side = width >> 3;
  const frames: { rgb: Uint8Array; gray: Uint8Array }[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const t = camera === "pan" ? (2 * Math.PI * f) / FRAMES : 0;
    let gray: Uint8Array = crop(
      world,
      cw,
      margin + Math.round(margin * 0.8 * Math.sin(t)),
      margin + Math.round(margin * 0.5 * Math.cos(t)),
      width,
      height,
    );
    const ox = Math.round(((width - side) * f) / FRAMES);
    const oy = height >> 2;
    for (let y = oy; y < oy + side; y++)
      gray.fill(((y >> 3) & 1) * 200 + 30, y * width + ox, y * width + ox + side);
    if (camera === "still") gray = withSensorNoise(gray, 2, f + 1);
    frames.push({ rgb: grayToRgb(gray), gray });
  }
  return frames;
}

async function run(width: number, height: number, calls: number, camera: "pan" | "still" = "pan") {
  const frames = scene(width, height, camera);
  const tw = new TemporalWarp(width, height);
  const outPrev = new Uint8Array(width * height);
  const outMask = new Uint8Array(width * height);
  // Ping-pong through the clip so that every step is a small motion, never a jump back to frame 0.
  const order = [...frames.keys(), ...[...frames.keys()].reverse().slice(1, -1)];
  const at = (i: number): (typeof frames)[number] => {
    const frame = frames[order[((i % order.length) + order.length) % order.length] as number];
    if (!frame) throw new Error("bench: frame index out of range");
    return frame;
  };
  const wall: number[] = [];
  const cpu: number[] = [];
  const valid: number[] = [];
  let prev: Uint8Array | null = null;
  for (let i = -20; i < calls; i++) {
    const frame = at(i);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const v = tw.next(frame.rgb, prev, outPrev, outMask);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    // The warm-up calls (negative i) allocate OpenCV's buffers.
    if (i >= 0) {
      wall.push(ms);
      cpu.push((c.user + c.system) / 1000);
      valid.push(v);
    }
    prev = frame.gray;
  }
  // The same frames split: the analysis on a pool thread, then warp() and hold() alone timed (the
  // frame's gray image stands in for the network's drawing).
  const warpMs: number[] = [];
  const holdMs: number[] = [];
  const drawn = new Uint8Array(width * height);
  prev = null;
  for (let i = -20; i < calls; i++) {
    const frame = at(i);
    await tw.analyzeAsync(frame.rgb);
    const t0 = performance.now();
    tw.warp(prev, outPrev, outMask);
    const t1 = performance.now();
    drawn.set(frame.gray);
    const t2 = performance.now();
    tw.hold(drawn, outPrev, outMask);
    if (i >= 0) {
      warpMs.push(t1 - t0);
      holdMs.push(performance.now() - t2);
    }
    prev = frame.gray;
  }
  tw.close();
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    size: `${width}x${height}`,
    camera,
    flow_at: `${width / Math.ceil(width / 640)}x${height / Math.ceil(width / 640)}`,
    calls,
    p10_ms: round(percentile(wall, 10)),
    median_ms: round(median(wall)),
    p90_ms: round(percentile(wall, 90)),
    cpu_median_ms: round(median(cpu)),
    mean_valid: round(valid.reduce((a, b) => a + b, 0) / valid.length),
    warp_median_ms: round(median(warpMs)),
    hold_median_ms: round(median(holdMs)),
  };
}

export default async function flowBench(): Promise<BenchSection> {
  const rows = [await run(640, 360, 400), await run(1280, 720, 200), await run(640, 360, 400, "still")];
  return {
    name: "flow + warp + mask (TemporalWarp.next)",
    rows,
    notes: [
      "one OpenCV thread; DIS ultrafast; target at 640x360: median <= 4 ms",
      "warp_median_ms, hold_median_ms: warp() after analyzeAsync() and hold() after the network, the parts the " +
        "engine runs on its JS thread",
      "p10_ms approximates the cost on an idle machine when other processes keep both cores busy",
      `cpu_median_ms is process CPU time per call (less sensitive to other load than wall time); ` +
        `load average at end ${loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")} on ${cpus().length} cores`,
    ],
  };
}
