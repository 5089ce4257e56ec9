"""Evaluate the student against the teacher and temporal baselines; print a table, write JSON
(the contact sheet is models/contact_sheet.py).

    python3 models/evaluate.py                       # models/sketch.pt -> models/eval.json
    python3 models/evaluate.py --smoke --json X.json # seconds, procedural images, untrained net
    python3 models/evaluate.py --int8 --json models/eval-int8.json   # the int8 model

Metrics (all on 0..1 intensities):
- stills: L1 and SSIM of the student (no previous frame) to the teacher, both on the clean photo, and
  the teacher's own change under a 1 px shift of the photo (its screen-fixed texture);
- synthetic noisy clips: warping error (Lai et al. 2018) with the exact flow and occlusion masks,
  mean |O_t - warp(O_t-1)| (abs) and mean squared (sq) over non-occluded pixels;
- real clips (vtest.avi, tree.avi): the same with DIS-medium flow and a forward-backward check;
- static flicker: a still scene with fresh sensor noise per frame, mean temporal std per pixel;
- late fidelity: L1 to the clean teacher late in 30-frame clips whose camera creeps (slow pan,
  < 1 px per frame) or pans (video.py speed 3, as the synthetic clips): what the drawing has become
  after a second of warping its own past.
Methods: teacher per frame (on the noisy input), teacher + flow-warped moving average, student
without the previous frame (mask 0), student with it (runtime spec: DIS ultrafast, models/temporal.py,
and its hold on the output).
"""

import argparse
import contextlib
import json
import os
import time

import cv2
import numpy as np
import torch

import data
import guards
import teacher
import temporal
import video
from export import load
from net import STRIDE, Exported, SketchNet
from quantize import FakeQuant, load_qparams

STYLE_NAMES = teacher.STYLES


class Student:
    def __init__(self, net):
        self.net = Exported(net)

    @torch.no_grad()
    def __call__(self, rgb, prev, mask, style, detail=0.5):
        h, w = rgb.shape[:2]
        t = lambda a, c: torch.from_numpy(np.ascontiguousarray(a)).view(1, h, w, c)
        out = self.net(t(rgb, 3), t(prev, 1), t(mask, 1), torch.eye(3)[style:style + 1],
                       torch.tensor([[float(detail)]]))
        return out[0, :, :, 0].numpy()


def crop16(img):
    h, w = img.shape[:2]
    return img[: h - h % STRIDE, : w - w % STRIDE]


def ssim(a, b):
    """SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5) of two uint8 grayscale images."""
    a, b = a.astype(np.float64) / 255, b.astype(np.float64) / 255
    g = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5)
    ma, mb = g(a), g(b)
    va, vb, cov = g(a * a) - ma**2, g(b * b) - mb**2, g(a * b) - ma * mb
    c1, c2 = 0.01**2, 0.03**2
    return float((((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma**2 + mb**2 + c1) * (va + vb + c2))).mean())


def remap(img, flow, fill):
    h, w = flow.shape[:2]
    m = np.dstack(np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))) + flow
    return cv2.remap(img, m, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def warping_error(outs, flows, valids):
    """Lai et al.: per frame pair, mean over valid pixels of |O_t - warp(O_t-1)| (and squared)."""
    ab, sq = [], []
    for t in range(1, len(outs)):
        v = valids[t]
        if v.sum() == 0:
            continue
        d = (outs[t].astype(np.float32) - remap(outs[t - 1].astype(np.float32), flows[t], 255)) / 255
        ab.append(np.abs(d)[v].mean())
        sq.append((d**2)[v].mean())
    return float(np.mean(ab)), float(np.mean(sq))


def teacher_shift_l1(images):
    """Per style, L1 between the teacher's drawing and its drawing of the photo shifted by one pixel
    (shifted back): the part of the teacher fixed to the screen, which no drawing that follows the
    picture can match."""
    res = {}
    for s, name in enumerate(STYLE_NAMES):
        d = [np.abs(teacher.render(img, s, 0.5)[:, 2:-2] / 255 -
                    np.roll(teacher.render(np.roll(img, 1, 1), s, 0.5), -1, 1)[:, 2:-2] / 255).mean() for img in images]
        res[name] = float(np.mean(d))
    return res


METHODS = ("teacher", "teacher_ma", "student_noprev", "student")


def run_methods(frames, student, style, detail=0.5, methods=METHODS):
    """Outputs of the methods on a list of RGB frames (what the runtime would see)."""
    h, w = frames[0].shape[:2]
    blank, none = np.full((h, w), 255, np.uint8), np.zeros((h, w), np.uint8)
    res = {k: [] for k in methods}
    tw_ma, tw_st = temporal.TemporalWarp(), temporal.TemporalWarp()
    for f in frames:
        if "teacher" in res or "teacher_ma" in res:
            tf = teacher.render(f, style, detail)
        if "teacher" in res:
            res["teacher"].append(tf)
        if "teacher_ma" in res:
            prev, mask = tw_ma.next(f, res["teacher_ma"][-1] if res["teacher_ma"] else None)
            a = 0.5 * mask.astype(np.float32) / 255  # moving average where the warped past is valid
            res["teacher_ma"].append(np.round(tf + a * (prev.astype(np.float32) - tf)).astype(np.uint8))
        if "student_noprev" in res:
            res["student_noprev"].append(student(f, blank, none, style, detail))
        if "student" in res:
            prev, mask = tw_st.next(f, res["student"][-1] if res["student"] else None)
            res["student"].append(tw_st.hold(student(f, prev, mask, style, detail)))
    return res


def late_fidelity(rng, bgs, student, clips, frames, size, speed):
    """L1 to the teacher on the clean frames over the last third of each clip, student with and
    without its previous frame (with it, against the teacher's strokes attached to the scene).
    Slow (speed 0.3, well under 1 px per frame): zero motion can keep parts of the previous
    drawing standing while the picture creeps. Faster: each frame resamples
    the previous drawing, which blurs what the network does not redraw."""
    l1 = {"student_noprev": [], "student": []}
    for i in range(clips):
        c = video.clip(rng, bgs[i % len(bgs)], None, frames, *size, speed=speed, noise=0.6, scene_coords=True)
        res = run_methods(list(c["noisy"]), student, i % 3, methods=tuple(l1))
        for t in range(frames - frames // 3, frames):
            # each against what it should draw: hatching carried with the scene since frame 0 (as
            # train.py's targets), or, drawn fresh, the tiles at the pixel grid
            target = {"student": teacher.render(c["clean"][t], i % 3, 0.5, c["coords"][t]) / 255,
                      "student_noprev": teacher.render(c["clean"][t], i % 3, 0.5) / 255}
            for k in l1:
                l1[k].append(np.abs(res[k][t] / 255 - target[k]).mean())
    return {k: float(np.mean(v)) for k, v in l1.items()}


def fb_valid(fwd, bwd):
    """Occlusion mask for backward flow bwd (t -> t-1) from the forward flow fwd (t-1 -> t):
    forward-backward consistency (Sundaram et al. 2010) and in-bounds."""
    h, w = bwd.shape[:2]
    fw_at = remap(fwd, bwd, 0)
    s = bwd + fw_at
    ok = (s**2).sum(-1) < 0.01 * ((bwd**2).sum(-1) + (fw_at**2).sum(-1)) + 0.5
    m = np.dstack(np.meshgrid(np.arange(w), np.arange(h))) + bwd
    return ok & (m[..., 0] >= 0) & (m[..., 0] <= w - 1) & (m[..., 1] >= 0) & (m[..., 1] <= h - 1)


def real_clip(path, max_frames):
    cap = cv2.VideoCapture(path)
    frames = []
    while len(frames) < max_frames:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(crop16(cv2.cvtColor(f, cv2.COLOR_BGR2RGB)))
    return frames


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", default=os.path.join(data.HERE, "sketch.pt"))
    p.add_argument("--json", default=os.path.join(data.HERE, "eval.json"))
    p.add_argument("--clips", type=int, default=8)
    p.add_argument("--frames", type=int, default=10)
    p.add_argument("--real-frames", type=int, default=60)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--int8", nargs="?", const=os.path.join(data.HERE, "sketch-int8.onnx"), metavar="ONNX",
                   help="evaluate with the int8 model's rounding (its .qparams.json, see quantize.py)")
    a = p.parse_args()
    torch.set_num_threads(2)
    t0 = time.time()
    if a.smoke:
        torch.manual_seed(0)
        net = load(a.ckpt) if os.path.exists(a.ckpt) else SketchNet()
        stills = [({"upstream_path": f"procedural/{i}", "category": "procedural"}, data.procedural(i, 64, 96))
                  for i in range(2)]
        a.clips, a.frames, size = 2, 3, (64, 96)
    else:
        net = load(a.ckpt)
        stills = [(e, crop16(img)) for e, img in data.photos("val", 640)]
        size = (272, 480)
    student = Student(net.eval())
    quant = FakeQuant(student.net, load_qparams(a.int8)) if a.int8 else contextlib.nullcontext()
    with quant:
        evaluate(a, student, stills, size, t0)


def evaluate(a, student, stills, size, t0):
    rng = np.random.default_rng(1234)
    out = {"ckpt": os.path.basename(a.ckpt)}

    # --- stills: fidelity to the clean teacher, all styles, detail 0.5 -------------------------
    # and the drawing guards (guards.py) on the same drawings
    rows, g = [], {s: [] for s in STYLE_NAMES}
    for e, img in stills:
        h, w = img.shape[:2]
        for s in range(3):
            t_img = teacher.render(img, s, 0.5)
            s_img = student(img, np.full((h, w), 255, np.uint8), np.zeros((h, w), np.uint8), s)
            rows.append({"image": e["upstream_path"].rsplit("/", 1)[1], "category": e["category"],
                         "style": STYLE_NAMES[s], "l1": float(np.abs(t_img / 255 - s_img / 255).mean()),
                         "ssim": ssim(t_img, s_img)})
            g[STYLE_NAMES[s]].append((*guards.tone_shares(s_img), guards.edge_ink(img, s_img), guards.blotch_share(s_img),
                                      guards.stroke_energy(s_img) / guards.stroke_energy(t_img)))
    out["stills"] = {"per_image": rows, "l1": float(np.mean([r["l1"] for r in rows])),
                     "ssim": float(np.mean([r["ssim"] for r in rows]))}
    for s in STYLE_NAMES:
        sel = [r for r in rows if r["style"] == s]
        out["stills"][s] = {"l1": float(np.mean([r["l1"] for r in sel])), "ssim": float(np.mean([r["ssim"] for r in sel]))}
    out["teacher_shift_l1"] = teacher_shift_l1([img for _, img in stills])
    # the drawing guards, per style: medians over the photos (blotches: the worst photo too)
    out["drawing"] = {s: {"near_white": float(np.median([v[0] for v in vals])),
                          "mid_gray": float(np.median([v[1] for v in vals])),
                          "edge_ink": float(np.nanmedian([v[2] for v in vals])),
                          "blotch": float(np.median([v[3] for v in vals])), "blotch_max": float(max(v[3] for v in vals)),
                          "strokes": float(np.median([v[4] for v in vals]))}
                      for s, vals in g.items()}

    # --- synthetic noisy clips (exact flow) and static flicker ---------------------------------
    bgs = [img for _, img in stills]
    syn = {k: [] for k in METHODS}
    flick = {k: [] for k in syn}
    ghost, attach = [], {"student": [], "student_noprev": []}
    for i in range(a.clips):
        style = i % 3
        c = video.clip(rng, bgs[i % len(bgs)], bgs[(i + 1) % len(bgs)], a.frames, *size, speed=3.0, noise=0.6)
        res = run_methods(list(c["noisy"]), student, style)
        for k in syn:
            syn[k].append(warping_error(res[k], c["flow"], c["valid"]))
        ghost.append(guards.ghosting(res["student"], res["student_noprev"], c["flow"]))
        for k in attach:
            attach[k].append(guards.attachment(res[k], c["flow"], c["valid"], c["clean"], remap))
        c = video.clip(rng, bgs[i % len(bgs)], None, a.frames, *size, static=True, noise=0.6)
        res = run_methods(list(c["noisy"]), student, style)
        for k in flick:
            # frame 0 has no past by definition: measure the steady state from frame 1 on
            flick[k].append(float(np.stack(res[k][1:]).astype(np.float32).std(0).mean() / 255))
    out["synthetic"] = {k: {"abs": float(np.mean([v[0] for v in syn[k]])), "sq": float(np.mean([v[1] for v in syn[k]]))}
                        for k in syn}
    out["flicker"] = {k: float(np.mean(v)) for k, v in flick.items()}
    out["ghosting_on_off"] = {k: float(np.mean([x[k] for x in ghost])) for k in ("gradient", "darkness")}
    out["attachment_true_vs_zero_flow"] = {k: float(np.mean(v)) for k, v in attach.items()}
    out["flicker_by_style"] = {k: {s: float(np.mean(v[i::3])) for i, s in enumerate(STYLE_NAMES) if v[i::3]}
                               for k, v in flick.items()}
    for key, speed in (("slow_pan", 0.3), ("pan", 3.0)):
        out[key] = late_fidelity(np.random.default_rng(99), bgs, student, max(1, a.clips // 2), 3 * a.frames, size, speed)

    # --- real clips (DIS-medium flow, forward-backward occlusion) -------------------------------
    out["real"] = {}
    if not a.smoke:
        for name in ("vtest.avi", "tree.avi"):
            frames = real_clip(data.video_path(name), a.real_frames)
            g = [temporal.gray(f) for f in frames]
            flows, valids = [None], [None]
            for t in range(1, len(frames)):
                b = temporal.dis_flow(g[t], g[t - 1], temporal.MEDIUM)
                f = temporal.dis_flow(g[t - 1], g[t], temporal.MEDIUM)
                flows.append(b)
                valids.append(fb_valid(f, b))
            res = run_methods(frames, student, 0)
            out["real"][name] = {k: dict(zip(("abs", "sq"), warping_error(res[k], flows, valids))) for k in res}

    ratio = lambda k, d: d["student"][k] / d["teacher"][k] if d["teacher"][k] else float("nan")
    out["ratios"] = {"synthetic_abs_student_vs_teacher": ratio("abs", out["synthetic"]),
                     "flicker_student_vs_teacher": out["flicker"]["student"] / max(out["flicker"]["teacher"], 1e-9)}
    out["seconds"] = round(time.time() - t0, 1)

    # --- print ---------------------------------------------------------------------------------
    print(f"stills (val, 3 styles, detail 0.5): L1 {out['stills']['l1']:.4f}  SSIM {out['stills']['ssim']:.3f}")
    for s in STYLE_NAMES:
        print(f"  {s:9s} L1 {out['stills'][s]['l1']:.4f}  SSIM {out['stills'][s]['ssim']:.3f}")
    print("teacher, 1 px shift of the photo: " + "  ".join(f"{k} L1 {v:.4f}" for k, v in out["teacher_shift_l1"].items()))
    print(f"{'method':16s} {'syn abs':>8s} {'syn sq':>8s} {'flicker':>8s}" +
          "".join(f" {n + ' abs':>14s}" for n in out["real"]))
    for k in syn:
        print(f"{k:16s} {out['synthetic'][k]['abs']:8.4f} {out['synthetic'][k]['sq']:8.5f} {out['flicker'][k]:8.4f}" +
              "".join(f" {out['real'][n][k]['abs']:14.4f}" for n in out["real"]))
    for key, label in (("slow_pan", "slow pan (speed 0.3, < 1 px/frame)"), ("pan", "pan (speed 3, as above)")):
        print(f"{label}, L1 to the clean teacher over the last third: " +
              "  ".join(f"{k} {v:.4f}" for k, v in out[key].items()))
    print("drawing (student, no previous frame; medians over the photos):")
    for st, d in out["drawing"].items():
        print(f"  {st:9s} near-white {d['near_white']:.2f}  mid-gray {d['mid_gray']:.2f}  edge ink {d['edge_ink']:.2f}  "
              f"blotches {d['blotch']:.3f} (worst {d['blotch_max']:.3f})  strokes / teacher {d['strokes']:.2f}")
    gh = out["ghosting_on_off"]
    print(f"moving regions, temporal on / off: gradient {gh['gradient']:.3f}  darkness {gh['darkness']:.3f}")
    print("texture attachment, high-pass warping error true / zero flow: " +
          "  ".join(f"{k} {v:.3f}" for k, v in out["attachment_true_vs_zero_flow"].items()))
    by = out["flicker_by_style"]
    print("static flicker by style, student (teacher): " +
          "  ".join(f"{s} {v:.4f} ({by['teacher'][s]:.4f})" for s, v in by["student"].items()))
    print(json.dumps(out["ratios"]))
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {os.path.relpath(a.json)}")

    if a.smoke:
        # Determinism of the whole chain: the teacher on a clean still sequence never flickers,
        # and every metric is a finite intensity difference.
        frames = [stills[0][1]] * 3
        assert np.stack([teacher.render(f, 0, 0.5) for f in frames]).std(0).max() == 0
        vals = [out["stills"]["l1"], out["stills"]["ssim"]] + [v["abs"] for v in out["synthetic"].values()] + \
            list(out["flicker"].values()) + list(out["slow_pan"].values()) + list(out["pan"].values()) + \
            list(out["teacher_shift_l1"].values())
        assert all(np.isfinite(v) and -1 <= v <= 1 for v in vals), vals
        assert out["flicker"]["teacher"] > 0, "sensor noise must make the per-frame teacher flicker"
        # the guards tell a blotch from paper and a drawing's tone from a photo's
        black, paper = np.zeros((64, 64), np.uint8), np.full((64, 64), 255, np.uint8)
        assert guards.blotch_share(black) > 0.9 and guards.blotch_share(paper) == 0
        assert guards.tone_shares(paper) == (1.0, 0.0) and guards.tone_shares(np.full((8, 8), 128, np.uint8)) == (0.0, 1.0)
        print("smoke ok")


if __name__ == "__main__":
    main()
