// Execution providers that cannot start here (no GPU, no CUDA libraries) fall back to CPU with one
// warning, and the engine still draws.
import { describe, expect, it } from "vitest";
import { openEngine } from "../helpers/engine.js";
import { lavfiFrames } from "../helpers/frames.js";

describe("execution provider fallback", () => {
  for (const ep of ["webgpu", "cuda"] as const) {
    it(`${ep} falls back to cpu with one warning`, async () => {
      const { engine, logs } = await openEngine(ep);
      try {
        expect(engine.ep).toBe("cpu");
        const warnings = logs.filter((l) => l.level === 40);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.msg).toMatch(
          new RegExp(`^execution provider "${ep}" unavailable \\(.+\\); falling back to cpu$`),
        );
        const [frame] = await lavfiFrames("testsrc2", 160, 96, 1);
        const out = await engine.createStream().process(frame as Uint8Array, 160, 96);
        expect(out).toHaveLength(160 * 96);
        expect(new Set(out).size).toBeGreaterThan(1);
      } finally {
        await engine.close();
      }
    });
  }

  it("cpu opens without warnings", async () => {
    const { engine, logs } = await openEngine("cpu");
    await engine.close();
    expect(engine.ep).toBe("cpu");
    expect(logs.filter((l) => l.level >= 40)).toEqual([]);
  });
});
