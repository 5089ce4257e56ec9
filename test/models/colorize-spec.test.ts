// Colored pencil exists twice: models/teacher.py's colorize (the spec the model card documents, used
// for the contact sheet and evaluation) and the engine's (server/engine/colorize.ts). Both must give
// the same bytes. Python colours random drawings with random frames, the extremes included.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { colorize } from "../../server/engine/colorize.js";
import { padEdge } from "../../server/engine/padding.js";

const models = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "models");
const work = mkdtempSync(join(tmpdir(), "colorize-spec-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const W = 67;
const H = 41;
const script = `
import sys, numpy as np
sys.path.insert(0, ${JSON.stringify(models)})
from teacher import colorize
rng = np.random.default_rng(7)
gray = rng.integers(0, 256, (${H}, ${W}), dtype=np.uint8)
rgb = rng.integers(0, 256, (${H}, ${W}, 3), dtype=np.uint8)
gray[0, :4] = [0, 255, 0, 255]
rgb[0, :4] = [[255, 0, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]]
for name, a in (("gray", gray), ("rgb", rgb), ("out", colorize(gray, rgb))):
    a.tofile(f"${work}/{name}.raw")
`;

const read = (name: string) => new Uint8Array(readFileSync(join(work, `${name}.raw`)));

it("colours a drawing as models/teacher.py's colorize does, byte for byte, from a padded frame too", () => {
  const r = spawnSync("/usr/bin/python3", ["-c", script], { encoding: "utf8", timeout: 60_000 });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  const [gray, rgb, want] = [read("gray"), read("rgb"), read("out")];
  const got = colorize(gray, rgb, W, H);
  const differing = got.reduce((k, v, i) => k + (v !== want[i] ? 1 : 0), 0);
  expect(differing).toBe(0);
  // Bare paper stays white whatever the frame's colour; a full stroke takes a lightened colour.
  expect([...got.subarray(3, 6)]).toEqual([255, 255, 255]);
  expect(got[0]).toBeGreaterThan(got[1] as number);
  // The engine colours from the frame the network saw, padded to the model's stride.
  const padded = new Uint8Array(80 * 48 * 3);
  padEdge(rgb, W, H, 3, 80, 48, padded);
  expect(Buffer.compare(colorize(gray, padded, W, H, 80), got)).toBe(0);
}, 70_000);
