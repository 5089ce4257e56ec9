"""Train the student from scratch on synthetic clips over the training photos.

    python3 models/train.py --minutes 55 --out models/runs/main     # then models/export.py
    python3 models/train.py --smoke                                  # seconds, procedural images

Each step unrolls short clips: frame 0 without a previous drawing, then each frame gets the net's
own previous output (rounded to 8 bit, straight-through) warped with the runtime flow (DIS ultrafast on
the noisy frames, zero motion where that fits as well) and the validity mask of the runtime spec
(models/temporal.py). Losses:
fidelity to the teacher on the clean frame (L1 + SSIM) and temporal consistency with the previous
output warped by the exact flow on non-occluded pixels (Lai et al. 2018); with --w-adv, a patch
discriminator's (pix2pix, Isola et al. 2017) opinion of the first and last frame of each clip.
A guard rolls back to the best recent state if the fidelity loss jumps (CollapseGuard).
"""

import argparse
import copy
import json
import math
import os
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F

import data
import hatch
import teacher
import temporal
import video
from net import S2D, SketchNet


LOSS = {"l1": 0.5, "ssim": 0.2, "tone": 1.0, "texture": 4.0, "lines": 2.0}  # fidelity weights (see fidelity())
W_HATCH = 1.0  # the hatching head and the drawing under it against the teacher's (see unroll())
LINE_MASK = 0.3  # teacher line darkness from which a pixel counts as on a contour (the "lines" term)


def make_clip(rng, photos, frames, size, static_p, temporal_off_p=0.15):
    """One training clip as numpy arrays (everything the unroll needs)."""
    bg = photos[rng.integers(len(photos))]
    fg = photos[rng.integers(len(photos))]
    static = rng.uniform() < static_p
    c = video.clip(rng, bg, fg, frames, size, size, speed=rng.uniform(0.5, 6), static=static, scene_coords=True)
    style = int(rng.choice(3, p=[0.5, 0.25, 0.25]))
    detail = float(rng.uniform(0, 1))
    temporal_on = rng.uniform() >= temporal_off_p
    # Strokes attached to the scene: frame 0's hatching is the tiles at the pixel grid (what the
    # student draws without a past), later frames move it with each layer, so the student learns
    # to carry its strokes along its warped past. Without a past it can only draw them at the grid.
    layers = [teacher.render_layers(f, style, detail, coords if temporal_on else None)
              for f, coords in zip(c["clean"], c["coords"])]
    target = np.stack([d for d, _, _ in layers])
    lines = np.stack([line >= LINE_MASK for _, line, _ in layers])
    cells = lambda x: x.reshape(size // S2D, S2D, size // S2D, S2D, -1).mean((1, 3))  # per cell, as the head predicts
    hatching = np.stack([np.concatenate([cells(p["density"]), cells(p["pressure"][..., None])], -1) for *_, p in layers])
    base = np.stack([p["base"] for *_, p in layers])
    rt_flow = np.zeros_like(c["flow"])
    rt_mask = np.zeros(c["valid"].shape, np.uint8)
    use_prev = np.zeros(frames, bool)
    if temporal_on:
        grays = [temporal.gray(f) for f in c["noisy"]]
        last = None
        for t in range(1, frames):
            dis = temporal.dis_flow(grays[t], grays[t - 1])
            rt_flow[t], _, rt_mask[t], frac = temporal.runtime_mask(grays[t - 1], grays[t], dis, last)
            use_prev[t] = frac >= temporal.SCENE_CUT_FRACTION
            last = dis
    return {"noisy": c["noisy"], "target": target, "lines": lines, "hatching": hatching, "base": base, "rt_flow": rt_flow, "rt_mask": rt_mask, "use_prev": use_prev,
            "flow": c["flow"], "valid": c["valid"], "style": np.eye(3, dtype=np.float32)[style],
            "detail": np.float32([detail])}


class Clips(torch.utils.data.IterableDataset):
    def __init__(self, photos, batch, frames, size, seed, static_p):
        self.photos, self.batch, self.frames, self.size, self.seed = photos, batch, frames, size, seed
        self.static_p = static_p

    def __iter__(self):
        cv2.setNumThreads(1)
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, info.id if info else 0])
        while True:
            clips = [make_clip(rng, self.photos, self.frames, self.size, self.static_p) for _ in range(self.batch)]
            yield {k: torch.from_numpy(np.stack([c[k] for c in clips])) for k in clips[0]}


def warp(img, flow, fill=255.0):
    """Backward-warp img [N,H,W,1] with flow [N,H,W,2] (bilinear, outside = fill): like
    cv2.remap(INTER_LINEAR, BORDER_CONSTANT) in the runtime, but differentiable."""
    n, h, w, _ = img.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    gx = (xs + flow[..., 0]) * (2 / (w - 1)) - 1
    gy = (ys + flow[..., 1]) * (2 / (h - 1)) - 1
    out = F.grid_sample(img.permute(0, 3, 1, 2) - fill, torch.stack([gx, gy], -1), "bilinear", "zeros", True)
    return out.permute(0, 2, 3, 1) + fill


def runtime_warp(img, flow):
    """warp() and the runtime's sharpening (temporal.sharpen) by the fraction of each sample's
    position: what the network gets as its previous drawing."""
    n, h, w, _ = img.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    frac = lambda v: v - torch.floor(v)
    fx, fy = frac(xs + flow[..., 0]), frac(ys + flow[..., 1])
    x = warp(img, flow)
    p = F.pad(x.permute(0, 3, 1, 2), (1, 1, 1, 1), mode="replicate").permute(0, 2, 3, 1)
    lx = 2 * x - p[:, 1:-1, :-2] - p[:, 1:-1, 2:]
    ly = 2 * x - p[:, :-2, 1:-1] - p[:, 2:, 1:-1]
    return x + (fx * (1 - fx) / 2).unsqueeze(-1) * lx + (fy * (1 - fy) / 2).unsqueeze(-1) * ly


def ssim(a, b, k=8):
    """Mean SSIM of [N,H,W,1] images in 0..1 over non-overlapping k x k windows (cheap on CPU)."""
    a, b = a.permute(0, 3, 1, 2), b.permute(0, 3, 1, 2)
    mu_a, mu_b = F.avg_pool2d(a, k), F.avg_pool2d(b, k)
    va = F.avg_pool2d(a * a, k) - mu_a**2
    vb = F.avg_pool2d(b * b, k) - mu_b**2
    cov = F.avg_pool2d(a * b, k) - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    return (((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (va + vb + c2))).mean()


def tone(x, k=4):
    """Stroke density: the mean darkness of k x k blocks ([N,H,W,1] in 0..1 -> [N,1,H/k,W/k])."""
    return F.avg_pool2d(x.permute(0, 3, 1, 2), k)


def texture(x, k=8):
    """Stroke energy and direction: the structure tensor (gx^2, gy^2, gx*gy) averaged over k x k
    blocks. A gray wash has none; hatching has it along its strokes, wherever they lie exactly."""
    x = x.permute(0, 3, 1, 2)
    gx = (x[..., :-1, 1:] - x[..., :-1, :-1])
    gy = (x[..., 1:, :-1] - x[..., :-1, :-1])
    return F.avg_pool2d(F.pad(torch.cat([gx * gx, gy * gy, gx * gy], 1), (0, 1, 0, 1)), k)


def fidelity(o, target, lines, w):
    """Per-pixel L1 + SSIM pull toward the teacher's exact strokes; where the net cannot place a
    stroke exactly, L1 alone pulls it toward the per-pixel median, which for sparse hatching is bare
    paper, so tone (block darkness) and texture (block structure tensor) terms ask for strokes of
    the teacher's density, crispness and direction wherever they are drawn. Contours follow from the
    photo alone, so on them ("lines") a drawing lighter than the teacher's is penalised on its own,
    one-sided: confident lines, and the hatching around them is left to the other terms."""
    on_line = (F.relu(o - target) * lines).sum() / lines.sum().clamp(min=1)
    return (w["l1"] * (o - target).abs().mean() + w["ssim"] * (1 - ssim(o, target))
            + w["tone"] * (tone(o) - tone(target)).abs().mean() + w["texture"] * (texture(o) - texture(target)).abs().mean()
            + w["lines"] * on_line)


class PatchCritic(torch.nn.Module):
    """pix2pix's PatchGAN, small: for each ~22 px patch of a drawing, given the photo, style and
    detail, does it look like the teacher's strokes (1) or the student's (0)? Per-pixel losses pull
    strokes the net cannot place exactly toward their blurred mean; a critic of local texture does
    not, so it asks for stroke-like texture wherever the net draws it."""

    def __init__(self, width=32):
        super().__init__()
        c = width
        act = lambda: torch.nn.LeakyReLU(0.2)
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(8, c, 4, 2, 1), act(),
            torch.nn.Conv2d(c, 2 * c, 4, 2, 1), torch.nn.GroupNorm(8, 2 * c), act(),
            torch.nn.Conv2d(2 * c, 2 * c, 3, 1, 1), torch.nn.GroupNorm(8, 2 * c), act(),
            torch.nn.Conv2d(2 * c, 1, 3, 1, 1))

    def forward(self, frame, drawing, style, detail):
        """frame [N,H,W,3] 0..255, drawing [N,H,W,1] 0..1, style [N,3], detail [N,1] -> [N,1,H/4,W/4]."""
        n, h, w, _ = frame.shape
        cond = torch.cat([style, detail], 1).view(n, 4, 1, 1).expand(n, 4, h, w)
        x = torch.cat([frame.permute(0, 3, 1, 2) / 255, drawing.permute(0, 3, 1, 2)], 1) * 2 - 1
        return self.net(torch.cat([x, cond], 1))


def critic_input(b, judged):
    """The first and last frame of each clip (fresh, and after the temporal unroll), stacked."""
    pick = lambda x: torch.cat([x[:, 0], x[:, -1]])
    return (pick(b["noisy"]).float(), pick(judged), torch.cat([b["style"]] * 2), torch.cat([b["detail"]] * 2))


def unroll(net, b):
    """Losses of one batch of clips (see module docstring): fidelity, temporal per clip [N]
    (each clip's mean over its valid pixels, so clips with little valid area weigh as much), and
    the drawings [N,T,H,W,1] in 0..1. Fidelity includes (W_HATCH) the L1 of the hatching head to
    the teacher's stroke densities and pressure per 4x4 cell, and of the drawing under the hatching
    to the teacher's (lines, spot blacks, smudge): the final drawing depends on the densities only
    where a stroke edge lies, too sparse a signal to find them from, and a smooth shading under the
    strokes is a local optimum (a run without these terms switched the hatching off and shaded)."""
    n, frames, h, w, _ = b["noisy"].shape
    fid = tmp = 0.0
    prev_out = None
    drawings = []
    per_clip = lambda x: x.sum((1, 2, 3))
    for t in range(frames):
        frame = b["noisy"][:, t].float()
        target = b["target"][:, t].float().unsqueeze(-1) / 255
        lines = b["lines"][:, t].float().unsqueeze(-1)
        if t == 0:
            prev, mask = torch.full((n, h, w, 1), 255.0), torch.zeros(n, h, w, 1)
        else:
            rounded = prev_out + (torch.round(prev_out) - prev_out).detach()  # straight-through
            use = b["use_prev"][:, t].view(n, 1, 1, 1)
            prev = torch.where(use, torch.clamp(runtime_warp(rounded, b["rt_flow"][:, t]), 0, 255), torch.tensor(255.0))
            mask = b["rt_mask"][:, t].float().unsqueeze(-1)
        out, hd, base = net(frame, prev, mask, b["style"], b["detail"], hatching=True)
        o = out / 255
        drawings.append(o)
        want = b["hatching"][:, t].permute(0, 3, 1, 2).float()
        # log(1 + L1): these are unclamped outputs, and a few wild pixels in one batch had made a
        # plain L1 step 20x the rest, which the collapse guard took for a collapse; a cap at 1 per
        # value (tried) gave those pixels no pull back at all, and a fine-tune drifted into solid
        # black ink (blotches 0.042 -> 0.13; with this, 0.087 in 30 min: still a drift)
        l1 = lambda x, y: torch.log1p((x - y).abs()).mean()
        fid = fid + fidelity(o, target, lines, LOSS) + W_HATCH * (
            l1(hd[:, :3] / hatch.GAIN, want[:, :3]) + l1(hd[:, 3:] / 255, want[:, 3:])
            + l1(base / 255, b["base"][:, t].unsqueeze(-1)))
        if t > 0:
            valid = b["valid"][:, t].float().unsqueeze(-1)
            # gradients reach the previous output too: pulling each drawing towards its neighbours
            # trains the fresh path to ignore sensor noise (a detached past flickered more, measured)
            err = (o - warp(prev_out, b["flow"][:, t]) / 255).abs()
            tmp = tmp + per_clip(err * valid) / per_clip(valid).clamp(min=1)
        prev_out = out
    return fid / frames, tmp / (frames - 1), torch.stack(drawings, 1)


def descent(net, b, size=0.01):
    """Fidelity of batch b before and after one plain gradient step of fixed length on it: a net
    whose gradients point downhill lowers it (broken or detached gradients do not)."""
    before = unroll(net, b)[0]
    params = [p for p in net.parameters() if p.requires_grad]
    grads = torch.autograd.grad(before, params)
    norm = torch.sqrt(sum((g * g).sum() for g in grads))
    with torch.no_grad():
        for p, g in zip(params, grads):
            p -= size * g / norm
        after = unroll(net, b)[0]
    return [float(before), float(after)]


class CollapseGuard:
    """Keeps the state with the lowest recent fidelity loss. The unroll on its own outputs can jump
    into a near-constant drawing (perfectly stable, fid 3-4x worse) that it never leaves, or drift
    up slowly (seen in three runs at temporal weight 2); when the recent fid exceeds `factor` x the
    best, go back to that state and halve the LR."""

    def __init__(self, net, opt, factor):
        self.net, self.opt, self.factor = net, opt, factor
        self.best, self.best_fid, self.best_step = None, math.inf, 0
        self.lr_scale, self.rollbacks = 1.0, []

    def observe(self, fid, step):
        """Call with the mean fid of the steps since the last call; True if it rolled back."""
        if fid < self.best_fid:
            self.best = copy.deepcopy((self.net.state_dict(), self.opt.state_dict()))
            self.best_fid, self.best_step = fid, step
            return False
        if fid <= self.factor * self.best_fid:
            return False
        self.net.load_state_dict(self.best[0])
        self.opt.load_state_dict(self.best[1])
        self.lr_scale *= 0.5
        self.rollbacks.append({"step": step, "fid": round(fid, 4), "to_step": self.best_step, "lr_scale": self.lr_scale})
        return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--minutes", type=float, default=55.0, help="wall-clock budget (cosine LR over it)")
    p.add_argument("--steps", type=int, default=0, help="stop after this many steps instead")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--frames", type=int, default=4)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--w-temporal", type=float, default=2.0)
    p.add_argument("--w-adv", type=float, default=0.0, help="weight of the patch critic's loss (0: no critic)")
    p.add_argument("--static-p", type=float, default=0.3, help="share of clips with a still camera")
    p.add_argument("--widths", default="24,48,96")
    p.add_argument("--collapse", type=float, default=1.5,
                   help="roll back to the best state when the recent fid exceeds this multiple of the best")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", default="")
    p.add_argument("--out", default=os.path.join(data.HERE, "runs", "main"))
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads; the data worker takes the other core (2 threads under contention "
                        "made small-tensor steps several times slower, measured)")
    p.add_argument("--smoke", action="store_true", help="tiny run on procedural images; asserts learning")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.smoke:
        a.batch, a.frames, a.size, a.steps, a.minutes, a.lr = 2, 3, 48, 30, 1.0, 3e-3
        photos = [data.procedural(i) for i in range(8)]
    else:
        photos = [img for _, img in data.photos("train", 960)]
    os.makedirs(a.out, exist_ok=True)

    net = SketchNet(tuple(int(x) for x in a.widths.split(",")))
    if a.resume:  # a checkpoint from before the hatching head starts with the head's initial weights
        missing = net.load_state_dict(torch.load(a.resume)["model"], strict=False).missing_keys
        assert all(k.startswith("head_hatch.") for k in missing), missing
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    critic = PatchCritic() if a.w_adv else None
    opt_critic = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.999)) if critic else None
    clips = Clips(photos, a.batch, a.frames, a.size, a.seed, a.static_p)
    # one worker makes clips (teacher, DIS) while the main process trains; none in smoke runs
    loader = torch.utils.data.DataLoader(clips, batch_size=None, num_workers=1, prefetch_factor=4) if not a.smoke \
        else torch.utils.data.DataLoader(clips, batch_size=None)
    budget = a.minutes * 60
    t_start, cpu_start = time.time(), time.process_time()
    log, hist = [], []
    guard = CollapseGuard(net, opt, a.collapse)
    for step, b in enumerate(loader):
        progress = a.steps and step / a.steps or (time.time() - t_start) / budget
        if progress >= 1:
            break
        lr = a.lr * guard.lr_scale * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(progress, 1)))) * \
            min(1, (step + 1) / (5 if a.smoke else 50))
        for g in opt.param_groups:
            g["lr"] = lr
        fid, tmp, drawn = unroll(net, b)
        tmp = tmp.mean()
        loss = fid + a.w_temporal * tmp
        if critic:  # least-squares GAN (Mao et al. 2017): the student's patches should score 1
            fake = critic_input(b, drawn)
            adv = ((critic(*fake) - 1) ** 2).mean()
            loss = loss + a.w_adv * adv
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        if critic:  # the critic: the teacher's patches 1, the student's 0
            real = critic_input(b, b["target"].float().unsqueeze(-1) / 255)
            fake = (fake[0], fake[1].detach(), *fake[2:])
            critic_loss = ((critic(*real) - 1) ** 2).mean() + (critic(*fake) ** 2).mean()
            opt_critic.zero_grad()
            critic_loss.backward()
            opt_critic.step()
        hist.append((float(fid), float(tmp)))
        if (step + 1) % (5 if a.smoke else 25) == 0:
            f, t = np.mean(hist[-25:], 0)
            entry = {"step": step + 1, "min": round((time.time() - t_start) / 60, 2),
                     "cpu_s_per_step": round((time.process_time() - cpu_start) / (step + 1), 3), "fid": round(f, 4),
                     "temporal": round(t, 4), "lr": round(lr, 6)}
            log.append(entry)
            print(json.dumps(entry), flush=True)
            if guard.observe(f, step + 1):
                print(json.dumps({"rollback": guard.rollbacks[-1]}), flush=True)
        if (step + 1) % 200 == 0:
            torch.save({"model": net.state_dict(), "widths": net.widths, "step": step + 1}, os.path.join(a.out, "model.pt"))
    torch.save({"model": net.state_dict(), "widths": net.widths, "step": step}, os.path.join(a.out, "model.pt"))
    steps = len(hist)
    summary = {"steps": steps, "minutes": round((time.time() - t_start) / 60, 2),
               "ms_per_step": round((time.time() - t_start) * 1000 / max(steps, 1), 1),
               "cpu_ms_per_step": round((time.process_time() - cpu_start) * 1000 / max(steps, 1), 1),
               "first_fid": float(np.mean([h[0] for h in hist[:5]])), "last_fid": float(np.mean([h[0] for h in hist[-5:]])),
               "rollbacks": guard.rollbacks}
    if a.smoke:
        summary["descent"] = descent(net.eval(), b)  # eval: true gradients (no straight-through, no leak)
    with open(os.path.join(a.out, "train.json"), "w") as f:
        json.dump({"args": vars(a), "summary": summary, "log": log}, f, indent=1)
    print(json.dumps(summary))
    if a.smoke:
        # Learning, at smoke scale: one small step on a batch lowers that batch's loss. (Teacher v3's
        # sparse strokes are not fitted in 30 steps, so the run's first-vs-last fid no longer falls;
        # that was the check with the previous, gray-toned teacher.)
        assert summary["descent"][1] < summary["descent"][0], f"a step did not lower the loss: {summary}"
        assert guard.observe(2 * a.collapse * guard.best_fid, steps), "a collapse must roll back"
        assert all(torch.equal(v, guard.best[0][k]) for k, v in net.state_dict().items()) and guard.lr_scale == 0.5
        print("smoke ok")


if __name__ == "__main__":
    main()
