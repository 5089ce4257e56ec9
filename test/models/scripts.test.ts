// The training and evaluation scripts' --smoke modes: procedural images only (no apt data cache),
// seconds on an idle machine. Each script asserts its own invariants and exits non-zero otherwise;
// here we also check what they report.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";

const models = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "models");
const python = "/usr/bin/python3";
const work = mkdtempSync(join(tmpdir(), "sketch-smoke-"));
// Generous: the box has two cores shared with ffmpeg/Chromium tests.
const timeout = 240_000;

function run(script: string, args: string[]) {
  const r = spawnSync(python, [join(models, script), ...args], { encoding: "utf8", timeout, cwd: work });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe("models/ scripts (--smoke)", () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(
    "train.py --smoke learns: a gradient step lowers the loss, a collapse rolls back to the best state, a checkpoint is written",
    () => {
      const out = join(work, "run");
      const r = run("train.py", ["--smoke", "--out", out]);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain("smoke ok");
      const summary = JSON.parse(readFileSync(join(out, "train.json"), "utf8")).summary;
      expect(summary.steps).toBe(30);
      const [before, after] = summary.descent as [number, number];
      expect(after).toBeLessThan(before);
      expect(existsSync(join(out, "model.pt"))).toBe(true);
    },
    timeout,
  );

  it(
    "evaluate.py --smoke reports every metric for every method",
    () => {
      const json = join(work, "eval.json");
      const r = run("evaluate.py", ["--smoke", "--json", json, "--ckpt", join(work, "none.pt")]);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain("smoke ok");
      const ev = JSON.parse(readFileSync(json, "utf8"));
      expect(ev.stills.l1).toBeGreaterThanOrEqual(0);
      expect(ev.stills.ssim).toBeLessThanOrEqual(1);
      for (const m of ["teacher", "teacher_ma", "student_noprev", "student"]) {
        expect(Number.isFinite(ev.synthetic[m].abs), m).toBe(true);
        expect(ev.synthetic[m].sq).toBeLessThanOrEqual(ev.synthetic[m].abs);
        expect(Number.isFinite(ev.flicker[m]), m).toBe(true);
      }
      // Fresh sensor noise per frame must make the per-frame teacher move.
      expect(ev.flicker.teacher).toBeGreaterThan(0);
      expect(ev.stills.per_image.length).toBe(2 * 3);
      for (const style of ["pencil", "ink", "charcoal"]) {
        const d = ev.drawing[style];
        for (const k of ["near_white", "mid_gray", "blotch"])
          expect(d[k], `${style} ${k}`).toBeGreaterThanOrEqual(0);
      }
      expect(Number.isFinite(ev.ghosting_on_off.gradient)).toBe(true);
      expect(Number.isFinite(ev.attachment_true_vs_zero_flow.student)).toBe(true);
    },
    timeout,
  );

  it(
    "quantize.py --smoke writes an int8 model that onnxruntime runs under the same contract",
    async () => {
      const out = join(work, "int8.onnx");
      const r = run("quantize.py", ["--smoke", out]);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain("smoke ok");
      const session = await ort.InferenceSession.create(out, { graphOptimizationLevel: "all" });
      try {
        expect(session.inputNames).toEqual(["frame", "prev", "mask", "style", "detail"]);
        const [h, w] = [32, 48];
        const result = await session.run({
          frame: new ort.Tensor("uint8", new Uint8Array(h * w * 3).fill(90), [1, h, w, 3]),
          prev: new ort.Tensor("uint8", new Uint8Array(h * w).fill(255), [1, h, w, 1]),
          mask: new ort.Tensor("uint8", new Uint8Array(h * w), [1, h, w, 1]),
          style: new ort.Tensor("float32", Float32Array.of(1, 0, 0), [1, 3]),
          detail: new ort.Tensor("float32", Float32Array.of(0.5), [1, 1]),
        });
        expect(result.sketch?.dims).toEqual([1, h, w, 1]);
        expect(result.sketch?.type).toBe("uint8");
      } finally {
        await session.release();
      }
      // Every 3x3/1x1 convolution but the float ones carries int8 weights.
      const qparams = JSON.parse(readFileSync(join(work, "int8.qparams.json"), "utf8"));
      expect(Object.keys(qparams)).toContain("stem_rgb:in");
      expect(qparams["stem_rgb:in"]).toEqual([1, 0]);
    },
    timeout,
  );
});
