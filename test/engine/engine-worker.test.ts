// The frame step runs in the engine's worker thread: the main event loop keeps ticking while frames
// run, callers keep their frames, and a dead worker fails calls clearly instead of hanging them.
import { performance } from "node:perf_hooks";
import type { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import type { SketchEngine } from "../../server/engine/index.js";
import { openEngine } from "../helpers/engine.js";
import { lavfiFrames } from "../helpers/frames.js";

const W = 640;
const H = 360;

/** The engine's (first) worker, reached through private fields: tests only, to kill it. */
const workerOf = (engine: SketchEngine) =>
  (engine as unknown as { clients: { worker: Worker }[] }).clients[0]?.worker as Worker;

describe("engine worker", () => {
  it("keeps the event loop responsive while frames run", async () => {
    const { engine } = await openEngine();
    try {
      const clip = await lavfiFrames("testsrc2", W, H, 8);
      const stream = engine.createStream({ temporal: true });
      // A 1 ms timer: how late a tick comes is how long the loop was blocked.
      let last = performance.now();
      let longest = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last - 1);
        last = now;
      }, 1);
      const runs: number[] = [];
      const stalls: number[] = [];
      for (const frame of clip) {
        const started = performance.now();
        longest = 0;
        await stream.process(frame, W, H);
        runs.push(performance.now() - started);
        stalls.push(longest);
      }
      clearInterval(timer);
      stream.close();
      const median = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1] as number;
      const report = `longest event-loop stall per 640x360 frame: median ${median(stalls).toFixed(1)} ms, max ${Math.max(...stalls).toFixed(1)} ms; median run ${median(runs).toFixed(1)} ms`;
      console.log(report);
      // On the main thread every frame stalled the loop for most of its run (the network alone is
      // most of it). The median over frames ignores a loaded box's occasional scheduling delay.
      expect(median(stalls), report).toBeLessThan(median(runs) / 2);
    } finally {
      await engine.close();
    }
  });

  it("copies the caller's frame, also when it is a Buffer view into a larger allocation", async () => {
    const { engine } = await openEngine();
    try {
      const [frame] = (await lavfiFrames("testsrc2", 160, 96, 1)) as [Uint8Array];
      // Like a decoder's frame: a Buffer view into a larger pooled allocation.
      const pool = Buffer.alloc(frame.length + 64);
      pool.set(frame, 32);
      const view = pool.subarray(32, 32 + frame.length);
      const a = engine.createStream({ temporal: false });
      const fromView = await a.process(view, 160, 96);
      expect(new Uint8Array(view)).toEqual(frame); // not detached, not changed
      expect(await a.process(frame, 160, 96)).toEqual(fromView);
      expect(frame.length).toBe(160 * 96 * 3);
      a.close();
    } finally {
      await engine.close();
    }
  });

  it("a dead worker rejects the frame in flight and later calls, and is logged", async () => {
    const { engine, logs } = await openEngine();
    const [frame] = (await lavfiFrames("testsrc2", W, H, 1)) as [Uint8Array];
    const stream = engine.createStream();
    const inFlight = stream.process(frame, W, H);
    await workerOf(engine).terminate();
    await expect(inFlight).rejects.toThrow(/sketch engine worker failed \(exited with code 1\)/);
    await expect(engine.createStream().process(frame, W, H)).rejects.toThrow(/sketch engine worker failed/);
    expect(logs.filter((l) => l.level === 50).map((l) => l.msg)).toEqual(["sketch engine worker failed"]);
    await engine.close();
  });
});
