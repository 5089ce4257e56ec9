// Live before files: with a conversion stream (priority "batch") flooding the engine, a live
// stream's frame overtakes every queued conversion frame (it waits at most for the one already
// running), and the conversion's frames still all come back, in order, once live is idle.
import { describe, expect, it } from "vitest";
import { LiveFirst } from "../../server/engine/live-first.js";
import { openEngine } from "../helpers/engine.js";
import { lavfiFrames } from "../helpers/frames.js";

const W = 320;
const H = 180;
const queued = 8;

describe("live before files", () => {
  it("runs a live frame before queued conversion frames; the conversion finishes after", async () => {
    const { engine } = await openEngine();
    try {
      const frames = await lavfiFrames("testsrc2", W, H, queued);
      const done: string[] = [];
      const conversion = engine.createStream({ temporal: true }, queued, "batch");
      const live = engine.createStream({ temporal: true });
      // Warm both streams up, one frame each, so that the flood below is steady-state work.
      await conversion.process(frames[0] as Uint8Array, W, H);
      await live.process(frames[0] as Uint8Array, W, H);

      const converted = frames.map((f, i) =>
        conversion.process(f, W, H).then((sketch) => {
          done.push(`conversion ${i}`);
          return sketch;
        }),
      );
      const drawn = live.process(frames[1] as Uint8Array, W, H).then(() => done.push("live"));
      await Promise.all([...converted, drawn]);

      // The live frame was sent after all eight conversion frames; at most the one running when it
      // arrived finished before it.
      expect(done.indexOf("live")).toBeLessThanOrEqual(1);
      expect(done.filter((d) => d !== "live")).toEqual(frames.map((_, i) => `conversion ${i}`));
      for (const sketch of await Promise.all(converted)) expect(sketch.length).toBe(W * H);
      conversion.close();
      live.close();
    } finally {
      await engine.close();
    }
  });

  // The isolation bench's 8K phase: a live frame that waited behind a 4-6 s conversion step was the
  // stream's last arrival, so right after it ran the stream looked quiet and the next 8K step started
  // (live 0.1 fps). A live stream sends its next frame only once the last one is back.
  it("holds a long conversion step back right after a live frame that waited behind one", () => {
    const order = new LiveFirst();
    const live = 1;
    const px360 = 640 * 368;
    const px8k = 7680 * 4320;
    order.arrived(live, "live", 0);
    order.arrived(live, "live", 33);
    order.ran(px360, 10);
    order.ran(px8k, 5000);
    // A live frame arrives while an 8K step runs (0-5000 ms); it runs when that step ends.
    order.arrived(live, "live", 100);
    order.ran(px360, 10);
    order.done(live, 5010);
    expect(order.batchDelay(px8k, 5011)).toBeGreaterThan(0);
    // Silent for longer than the quiet time after its frame came back: conversions go on.
    expect(order.batchDelay(px8k, 5010 + 60_000)).toBe(0);
  });
});
