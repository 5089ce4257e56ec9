// The runtime temporal inputs (and the hold on the network's output) exist twice: models/temporal.py (what training and evaluation use)
// and the server's native addon. Both must give the same bytes, or the model runs on inputs it
// was not trained or measured on. Python writes noisy still and moving clips with its outputs; the
// addon gets the same frames. Needs `npm run build:native` and Python with OpenCV.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TemporalWarp } from "../../server/engine/flow/temporal-warp.js";

const models = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "models");
const work = mkdtempSync(join(tmpdir(), "temporal-spec-"));

interface Case {
  name: string;
  width: number;
  height: number;
  first: boolean;
  sketch: boolean;
}

const read = (name: string) => new Uint8Array(readFileSync(join(work, name)));

describe("temporal inputs: native addon = models/temporal.py", () => {
  let cases: Case[] = [];
  beforeAll(() => {
    const r = spawnSync("/usr/bin/python3", [join(models, "temporal.py"), work], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    cases = JSON.parse(readFileSync(join(work, "cases.json"), "utf8"));
  }, 130_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("gives the same warped drawing, mask and hold, byte for byte, still and moving, small and wide", () => {
    expect(cases.length).toBeGreaterThanOrEqual(16);
    let tw: TemporalWarp | null = null;
    let heldAny = 0;
    for (const c of cases) {
      if (c.first) {
        tw?.close();
        tw = new TemporalWarp(c.width, c.height);
      }
      const n = c.width * c.height;
      const prev = new Uint8Array(n);
      const mask = new Uint8Array(n);
      tw?.next(read(`${c.name}.rgb`), c.sketch ? read(`${c.name}.sketch`) : null, prev, mask);
      const [wantPrev, wantMask] = [read(`${c.name}.prev`), read(`${c.name}.mask`)];
      // The hold, on a stand-in for the network's drawing: the warped past off by up to +-6 levels.
      const held = read(`${c.name}.drawn`);
      tw?.hold(held, prev, mask);
      const differing = (a: Uint8Array, b: Uint8Array) => a.reduce((k, v, i) => k + (v !== b[i] ? 1 : 0), 0);
      expect({
        frame: c.name,
        prev: differing(prev, wantPrev),
        mask: differing(mask, wantMask),
        held: differing(held, read(`${c.name}.held`)),
      }).toEqual({ frame: c.name, prev: 0, mask: 0, held: 0 });
      heldAny += differing(held, read(`${c.name}.drawn`));
    }
    tw?.close();
    expect(heldAny, "pixels the hold changed").toBeGreaterThan(0);
  });
});
