// `npm run bench -- call`: a video call of N participants on one server, N = 2…6, without a browser.
// Each participant is a Peer of one room (Rooms, with the server's own processor factory, so call
// cameras are sketched at the call tile size) whose camera is a synthetic 640x360@30 VP8 stream (the
// capacity bench's); every participant receives the N-1 others' sketches over plain RTP, where
// their frames are counted. Reported per N: fps per received tile (worst and median), decoder →
// encoder latency p50/p90, CPU per stage, and cameras refused by the pipeline limit.
import { access } from "node:fs/promises";
import { loadavg } from "node:os";
import { engineOptions } from "../server/config/engine-options.js";
import { SketchEngine } from "../server/engine/index.js";
import { runningFfmpegCount } from "../server/ffmpeg/ffmpeg.js";
import { LiveAdmission } from "../server/live/live-admission.js";
import { liveSketchSize } from "../server/live/live-sketch-size.js";
import { callSketchSize } from "../server/live/register-live.js";
import { sketchProcessorFactory } from "../server/live/sketch-processor-factory.js";
import { createCliLogger } from "../server/log.js";
import { RequestError } from "../server/media/request-error.js";
import { Rooms } from "../server/media/rooms.js";
import { WorkerPool } from "../server/media/worker-pool.js";
import { modelPaths } from "../server/paths.js";
import type { FrameTiming } from "../server/processing/sketch-processor.js";
import { benchConfig } from "./bench-config.js";
import { cpuPercent, sampleCpu, stages, threadIds } from "./capacity/cpu-usage.js";
import { countFrames, type FrameCounter } from "./capacity/frame-counter.js";
import { type SyntheticCamera, startSyntheticCamera } from "./capacity/synthetic-camera.js";
import { type BenchSection, median, percentile } from "./section.js";

const sizes = (process.env.CALL_SIZES ?? "2,3,4,5,6").split(",").map(Number);
const warmupSeconds = 3;
const windowSeconds = Number(process.env.CALL_WINDOW_SECONDS ?? 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export default async function callBench(): Promise<BenchSection> {
  const log = createCliLogger();
  const config = benchConfig(53000);
  await access(config.model ?? modelPaths.int8);
  const pool = await WorkerPool.create(config.mediasoup, log);
  const nodeThreads = threadIds();
  const engine = await SketchEngine.create(engineOptions(config, log));
  let timings: FrameTiming[] = [];
  const rooms = new Rooms({
    pool,
    listenIp: { ip: "127.0.0.1" },
    maxPeers: 64,
    callFit: callSketchSize,
    createProcessor: sketchProcessorFactory({
      engine,
      admission: new LiveAdmission(config.live),
      sketchSize: liveSketchSize(config.live.sketchSize, engine.ep),
      log,
      onFrameOut: (t) => timings.push(t),
    }),
  });
  const rows: BenchSection["rows"] = [];
  try {
    for (const n of sizes) {
      const cameras: SyntheticCamera[] = [];
      const viewers: FrameCounter[] = [];
      const leave: (() => void)[] = [];
      let refused = 0;
      try {
        for (let i = 0; i < n; i++) {
          const { room, peer } = await rooms.join(`bench-${n}`, `participant ${i + 1}`);
          leave.push(() => peer.close());
          const camera = await startSyntheticCamera(room.router, i, 640, 360);
          cameras.push(camera);
          await room
            .publish(peer, camera.producer, { mode: "sketch", probe: false })
            .catch((err: unknown) => {
              if (!(err instanceof RequestError && err.code === "server-full")) throw err;
              refused++;
            });
        }
        const { room } = await rooms.join(`bench-${n}`, "viewer");
        // Each participant receives every other one's sketch: N-1 consumers per published camera.
        for (const pub of room.currentPublications())
          for (let v = 0; v < n - 1; v++) viewers.push(await countFrames(room.router, pub.producer));
        const deadline = performance.now() + 20_000;
        while (viewers.some((v) => v.frames === 0) && performance.now() < deadline) await sleep(100);
        await sleep(warmupSeconds * 1000);
        const cpuBefore = await sampleCpu(nodeThreads);
        const before = { frames: viewers.map((v) => v.frames), at: performance.now() };
        timings = [];
        await sleep(windowSeconds * 1000);
        const after = { frames: viewers.map((v) => v.frames), at: performance.now() };
        const seconds = (after.at - before.at) / 1000;
        const cpu = cpuPercent(cpuBefore, await sampleCpu(nodeThreads), seconds);
        const fps = after.frames.map((f, i) => (f - (before.frames[i] ?? 0)) / seconds);
        const latency = timings.map((t) => t.latencyMs);
        rows.push({
          participants: n,
          sketched: n - refused,
          refused,
          "tiles received": viewers.length,
          "worst tile fps": fps.length ? Math.min(...fps).toFixed(1) : "-",
          "median tile fps": fps.length ? median(fps).toFixed(1) : "-",
          "p50 ms": latency.length ? median(latency).toFixed(1) : "-",
          "p90 ms": latency.length ? percentile(latency, 90).toFixed(1) : "-",
          ...Object.fromEntries(stages.map((s) => [`%cpu ${s}`, cpu[s]])),
          load: loadavg()[0]?.toFixed(1) ?? "-",
        });
        console.log(JSON.stringify(rows.at(-1)));
      } finally {
        for (const v of viewers) v.close();
        for (const l of leave) l();
        await Promise.all(cameras.map((c) => c.close()));
        await rooms.close();
      }
    }
  } finally {
    await engine.close();
    pool.close();
  }
  await sleep(500);
  const left = runningFfmpegCount();
  if (left > 0) throw new Error(`${left} ffmpeg left running after the call bench`);
  return {
    name: `video call: N participants, cameras 640x360@30 sketched at ${callSketchSize.width}x${callSketchSize.height}, each receiving the N-1 others`,
    rows,
    notes: [
      `per N: ${warmupSeconds} s warm-up after every tile's first frame, then ${windowSeconds} s measured; tile fps = sketch frames received by a plain-RTP consumer (one per receiving participant)`,
      `cameras beyond --live-max-pipelines (now ${config.live.maxPipelines}) are refused ("server full") and not sketched`,
      "latency = decoder output → sketch handed to the encoder (as in the capacity bench); %cpu = percent of one core (decode/encode ffmpegs, mediasoup workers, engine thread, rest of Node, the synthetic cameras as sources, others on the box)",
    ],
  };
}
