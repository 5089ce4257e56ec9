// Batching across streams on the real model: streams submitting together share network runs, and
// draw exactly what they draw unbatched, each with its own temporal state; streams of different
// padded sizes never share a run; the config keys and the cpu default.
import { availableParallelism } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config/load.js";
import { type SketchControls, SketchEngine, type SketchStream } from "../../server/engine/index.js";
import { batchSize } from "../../server/engine/metrics.js";
import { createLogger } from "../../server/log.js";
import { modelPath } from "../helpers/engine.js";
import { lavfiFrames } from "../helpers/frames.js";

const sources = ["testsrc2", "mandelbrot", "gradients", "life"];
const controls: Partial<SketchControls>[] = [
  { style: "pencil", detail: 0.5 },
  { style: "ink", detail: 0.2 },
  { style: "charcoal", detail: 0.9 },
  { style: "pencil", detail: 0.7, temporal: false },
];
const frameCount = 4;

const open = (maxSize: number | "auto", maxWaitMs = 0) =>
  SketchEngine.create({
    modelPath,
    ep: "cpu",
    threads: 2,
    batch: { maxSize, maxWaitMs },
    logger: createLogger("warn"),
  });

/** Network runs so far (all engines in this process): in all, and of at most `n` frames. */
async function runs(): Promise<{ all: number; upTo: (n: number) => number }> {
  const values = (await batchSize.get()).values;
  const bucket = (le: number | string) =>
    values.find((v) => v.metricName?.endsWith("_bucket") && v.labels.le === le)?.value ?? 0;
  return { all: bucket("+Inf"), upTo: (n) => bucket(n) };
}

/** Runs between two snapshots that held more than one frame. */
const sharedRuns = (before: Awaited<ReturnType<typeof runs>>, after: Awaited<ReturnType<typeof runs>>) =>
  after.all - after.upTo(1) - (before.all - before.upTo(1));

interface Clip {
  width: number;
  height: number;
  frames: Uint8Array[];
  controls: Partial<SketchControls>;
}

/** Every clip's frames through its own stream, frame i of all clips submitted together. */
async function drawTogether(engine: SketchEngine, clips: Clip[]): Promise<Uint8Array[][]> {
  const streams = clips.map((c) => engine.createStream(c.controls));
  const out: Uint8Array[][] = clips.map(() => []);
  for (let i = 0; i < frameCount; i++) {
    const drawn = await Promise.all(
      clips.map((c, k) => streams[k]?.process(c.frames[i] as Uint8Array, c.width, c.height)),
    );
    for (const [k, d] of drawn.entries()) out[k]?.push(d as Uint8Array);
  }
  for (const s of streams) s.close();
  return out;
}

/** Every clip through its own stream, one clip after the other. */
async function drawAlone(engine: SketchEngine, clips: Clip[]): Promise<Uint8Array[][]> {
  const out: Uint8Array[][] = [];
  for (const c of clips) {
    const s = engine.createStream(c.controls);
    const drawn: Uint8Array[] = [];
    for (const f of c.frames) drawn.push(await s.process(f, c.width, c.height));
    s.close();
    out.push(drawn);
  }
  return out;
}

const clipsAt = async (width: number, height: number, which: number[]): Promise<Clip[]> =>
  Promise.all(
    which.map(async (k) => ({
      width,
      height,
      frames: await lavfiFrames(sources[k] as string, width, height, frameCount),
      controls: controls[k] as Partial<SketchControls>,
    })),
  );

let batched: SketchEngine;
let unbatched: SketchEngine;

beforeAll(async () => {
  // A wait far longer than any run: once every stream is known, each round runs as one batch.
  batched = await open(4, 2000);
  unbatched = await open(1);
});
afterAll(async () => {
  await batched?.close();
  await unbatched?.close();
});

describe("batching across streams", () => {
  it("draws what each stream draws unbatched, with its own temporal state, in shared runs", async () => {
    const clips = await clipsAt(320, 180, [0, 1, 2, 3]);
    const before = await runs();
    const together = await drawTogether(batched, clips);
    const after = await runs();
    // The first round has no known peers to wait for; later rounds run all four together.
    expect(sharedRuns(before, after)).toBeGreaterThan(0);
    expect(after.all - before.all).toBeLessThan(clips.length * frameCount);
    // Exactly equal: ORT's batched cpu kernels compute each item as a batch of one would.
    expect(together).toEqual(await drawAlone(unbatched, clips));
  });

  it("never puts streams of different padded sizes in one run", async () => {
    const clips = [...(await clipsAt(320, 180, [0, 1])), ...(await clipsAt(160, 96, [2, 3]))];
    const before = await runs();
    const together = await drawTogether(batched, clips);
    const after = await runs();
    expect(sharedRuns(before, after)).toBeGreaterThan(0);
    // Every run held at most two frames: the two streams of one size.
    expect(after.upTo(2) - before.upTo(2)).toBe(after.all - before.all);
    expect(together).toEqual(await drawAlone(unbatched, clips));
  });

  it("keeps a reset between a stream's frames", async () => {
    const clips = await clipsAt(320, 180, [0, 1]);
    const [a, b] = clips.map((c) => batched.createStream(c.controls)) as [SketchStream, SketchStream];
    await Promise.all([
      a.process(clips[0]?.frames[0] as Uint8Array, 320, 180),
      b.process(clips[1]?.frames[0] as Uint8Array, 320, 180),
    ]);
    // a's frame is queued ahead of b's reset; b's frame behind it.
    const pending = a.process(clips[0]?.frames[1] as Uint8Array, 320, 180);
    b.reset();
    const [, fromReset] = await Promise.all([
      pending,
      b.process(clips[1]?.frames[1] as Uint8Array, 320, 180),
    ]);
    a.close();
    b.close();
    const fresh = unbatched.createStream(clips[1]?.controls);
    expect(fromReset).toEqual(await fresh.process(clips[1]?.frames[1] as Uint8Array, 320, 180));
    fresh.close();
  });

  it("does not wait for a peer that sends nothing past maxWaitMs", async () => {
    const engine = await open(4, 50);
    try {
      const [clip] = await clipsAt(160, 96, [0]);
      const [idle, busy] = [engine.createStream(), engine.createStream()];
      await Promise.all([idle, busy].map((s) => s.process(clip?.frames[0] as Uint8Array, 160, 96)));
      for (const f of clip?.frames.slice(1) ?? [])
        expect(await busy.process(f, 160, 96)).toHaveLength(160 * 96);
      idle.close();
      busy.close();
    } finally {
      await engine.close();
    }
  });
});

describe("engine workers", () => {
  it("take streams in turn, and each draws what one worker draws", async () => {
    const engine = await SketchEngine.create({
      modelPath,
      ep: "cpu",
      threads: 1,
      workers: 2,
      logger: createLogger("warn"),
    });
    try {
      // Which worker's client a stream went to (private: tests only).
      const clientOf = (s: SketchStream) =>
        (engine as unknown as { streams: Map<SketchStream, unknown> }).streams.get(s);
      const [a, b, c] = [engine.createStream(), engine.createStream(), engine.createStream()];
      expect(clientOf(a)).not.toBe(clientOf(b));
      expect([clientOf(a), clientOf(b)]).toContain(clientOf(c));
      for (const s of [a, b, c]) s.close();
      const clips = await clipsAt(320, 180, [0, 1, 2, 3]);
      expect(await drawTogether(engine, clips)).toEqual(await drawAlone(unbatched, clips));
    } finally {
      await engine.close();
    }
  });

  it("are one per core on cpu when auto", async () => {
    const engine = await SketchEngine.create({
      modelPath,
      ep: "cpu",
      threads: 2,
      workers: "auto",
      logger: createLogger("warn"),
    });
    expect(engine.workers).toBe(availableParallelism());
    await engine.close();
  });
});

describe("batch config", () => {
  it("is off on cpu by default and set by --batch-max-size / SKETCHCAST_BATCH_MAX_WAIT_MS", async () => {
    expect(loadConfig({}, {}).batch).toEqual({ maxSize: "auto", maxWaitMs: 0 });
    const c = loadConfig({ "batch-max-size": "8" }, { SKETCHCAST_BATCH_MAX_WAIT_MS: "3" });
    expect(c.batch).toEqual({ maxSize: 8, maxWaitMs: 3 });
    expect(() => loadConfig({ "batch-max-size": "0" }, {})).toThrow(
      'invalid --batch-max-size "0": expected auto or an integer 1-64',
    );
    const auto = await open("auto");
    expect(auto.batch.maxSize).toBe(1);
    await auto.close();
    expect(batched.batch).toEqual({ maxSize: 4, maxWaitMs: 2000 });
  });
});
