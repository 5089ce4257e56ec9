// The native flow + warp addon's split form: analyzeAsync (flow and mask on a libuv pool thread,
// frames analyzed ahead) and then warp gives exactly next()'s bytes on a real clip, also across a
// reset and a resolution change, and misuse is refused. Needs `npm run build:native`.
import { beforeAll, describe, expect, it } from "vitest";
import { TemporalWarp } from "../../server/engine/flow/temporal-warp.js";
import { lavfiFrames } from "../helpers/frames.js";
import { junkOutputs as outputs } from "../helpers/texture.js";

describe("TemporalWarp analyzeAsync + warp", () => {
  const width = 320;
  const height = 180;
  type Call = { frame: Uint8Array; sketch: Uint8Array | null } | "reset";
  let calls: Call[];
  let small: Uint8Array[];

  beforeAll(async () => {
    const frames = await lavfiFrames("testsrc2", width, height, 8);
    // A stand-in for the previous drawing: the previous frame's red channel.
    const red = (f: Uint8Array) => {
      const r = new Uint8Array(width * height);
      for (let i = 0; i < r.length; i++) r[i] = f[3 * i] as number;
      return r;
    };
    calls = frames.map((frame, i) => ({ frame, sketch: i > 0 ? red(frames[i - 1] as Uint8Array) : null }));
    // A reset, and a frame without a sketch (temporal off), in the middle.
    calls.splice(4, 0, "reset");
    (calls[6] as { sketch: Uint8Array | null }).sketch = null;
    small = await lavfiFrames("testsrc2", 160, 96, 3);
  });

  /** next() on every call, one at a time: outPrev, outMask and the return value per frame. */
  function sequential(tw: TemporalWarp, list: Call[]) {
    const out: { prev: Uint8Array; mask: Uint8Array; valid: number }[] = [];
    for (const c of list) {
      if (c === "reset") {
        tw.reset();
        continue;
      }
      const o = outputs(tw.width, tw.height);
      out.push({ ...o, valid: tw.next(c.frame, c.sketch, o.prev, o.mask) });
    }
    return out;
  }

  it("gives next()'s bytes with every frame analyzed ahead, a reset and a resolution change in the middle", async () => {
    const ref = new TemporalWarp(width, height);
    const refSmall = new TemporalWarp(160, 96);
    const expected = sequential(ref, calls);
    const expectedSmall = sequential(
      refSmall,
      small.map((frame) => ({ frame, sketch: frame.subarray(0, 160 * 96) })),
    );
    ref.close();
    refSmall.close();
    expect(expected.filter((e) => e.valid > 0.3).length).toBeGreaterThan(3);

    const tw = new TemporalWarp(width, height);
    // Every analysis queued at once, the reset between the same frames; the next size's too.
    const pending = calls.map((c) => (c === "reset" ? tw.reset() : tw.analyzeAsync(c.frame)));
    const twSmall = new TemporalWarp(160, 96);
    const pendingSmall = small.map((f) => twSmall.analyzeAsync(f));
    expect(() => tw.next(small[0] as Uint8Array, null, new Uint8Array(1), new Uint8Array(1))).toThrow();
    const got: typeof expected = [];
    for (const [i, c] of calls.entries()) {
      if (c === "reset") continue;
      await pending[i];
      const o = outputs(width, height);
      got.push({ ...o, valid: tw.warp(c.sketch, o.prev, o.mask) });
    }
    // Closed while the other size's analyses may still run: they go on.
    tw.close();
    const gotSmall: typeof expected = [];
    for (const [i, p] of pendingSmall.entries()) {
      await p;
      const o = outputs(160, 96);
      gotSmall.push({
        ...o,
        valid: twSmall.warp((small[i] as Uint8Array).subarray(0, 160 * 96), o.prev, o.mask),
      });
    }
    twSmall.close();
    // Byte for byte (toEqual on big typed arrays is slow).
    const same = (x: typeof expected, y: typeof expected) =>
      x.length === y.length &&
      x.every((e, i) => {
        const o = y[i] as (typeof y)[number];
        return (
          e.valid === o.valid && Buffer.compare(e.prev, o.prev) === 0 && Buffer.compare(e.mask, o.mask) === 0
        );
      });
    expect(same(got, expected)).toBe(true);
    expect(same(gotSmall, expectedSmall)).toBe(true);
  });

  it("keeps next() working once every analysis is warped, and refuses misuse", async () => {
    const tw = new TemporalWarp(width, height);
    const [a, b, c] = calls.filter((x) => x !== "reset").map((x) => x.frame);
    const o = outputs(width, height);
    expect(() => tw.warp(null, o.prev, o.mask)).toThrow(/no analyzed frame/);
    await tw.analyzeAsync(a as Uint8Array);
    expect(() => tw.next(b as Uint8Array, null, o.prev, o.mask)).toThrow(/pending/);
    expect(tw.warp(null, o.prev, o.mask)).toBe(0);
    expect(tw.next(b as Uint8Array, null, o.prev, o.mask)).toBe(0);
    const analyze = tw.analyzeAsync.bind(tw) as (...args: unknown[]) => Promise<number>;
    expect(() => analyze()).toThrow(TypeError);
    expect(() => analyze(new Uint8Array(3))).toThrow(RangeError);
    const warp = tw.warp.bind(tw) as (...args: unknown[]) => number;
    expect(() => warp(null, o.prev)).toThrow(TypeError);
    // Closing waits for the analysis; it still settles.
    const last = tw.analyzeAsync(c as Uint8Array);
    tw.close();
    expect(await last).toBeGreaterThan(0.3);
    expect(() => tw.analyzeAsync(c as Uint8Array)).toThrow(/close/);
    expect(() => tw.warp(null, o.prev, o.mask)).toThrow(/close/);
  });
});
