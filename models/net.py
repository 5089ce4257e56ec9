"""The student: a small encoder-decoder that draws one frame, conditioned on its own previous
output warped into this frame.

Speed is the design constraint (<= 10 ms at 640x360 on 2 CPU threads): the NHWC input is folded
4x4 into channels (space-to-depth) so no convolution runs at full resolution, features live at
1/4, 1/8 and 1/16 (hence stride 16), and a 4x pixel-shuffle brings 16 sub-pixels per cell back.
Full-resolution work is a handful of element-wise ops.
The head predicts a fresh drawing and a blend weight; the output is
    alpha * mask * prev + (1 - alpha * mask) * fresh
so copying the valid warped past is easy (temporal stability) and the mask can always veto it.
The fresh drawing's hatching comes from the teacher's stroke tiles (hatch.py, a constant here):
the head predicts smooth per-direction stroke densities and a pressure, the tiles make them crisp,
    fresh = lines_and_tone - pressure * clip(max_k(density_k - tile_k), 0, 1)
so the net draws the teacher's strokes where it has no past, and carries them along it elsewhere.
"""

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

import hatch

STRIDE = 16
S2D = 4  # the stem folds 4x4 pixels into channels; the head unfolds 4x4 sub-pixels


def conv(cin, cout, k=3, s=1):
    return nn.Conv2d(cin, cout, k, s, k // 2)


class SketchNet(nn.Module):
    def __init__(self, widths=(24, 48, 96), cond=4):
        super().__init__()
        c0, c1, c2 = widths
        self.widths = widths
        # Space-to-depth + 1x1 conv == a 4x4 conv with stride 4. On the NHWC frame viewed as a
        # one-channel [N, 1, H, 3W] image the same thing is a 4x12 conv with stride 4x12, so no
        # full-resolution transpose is needed (they cost more than all the convolutions).
        self.stem_rgb = nn.Conv2d(1, c0, (S2D, 3 * S2D), (S2D, 3 * S2D))
        self.stem_pm = nn.Conv2d(2, c0, S2D, S2D, bias=False)
        self.stem = conv(c0, c0)
        self.down1 = nn.ModuleList([conv(c0, c1, 3, 2), conv(c1, c1)])
        self.down2 = nn.ModuleList([conv(c1, c2, 3, 2), conv(c2, c2), conv(c2, c2)])
        self.up1 = nn.ModuleList([conv(c2, c1, 1), conv(c1, c1)])
        self.up0 = nn.ModuleList([conv(c1, c0, 1), conv(c0, c0)])
        self.head_fresh = conv(c0, S2D * S2D, 1)
        self.head_alpha = conv(c0, S2D * S2D, 1)
        self.head_hatch = conv(c0, 4, 1)  # per 4x4 cell: 3 stroke densities (x hatch.GAIN) and a pressure
        nn.init.constant_(self.head_fresh.bias, 230.0)  # start near paper white
        nn.init.zeros_(self.head_hatch.weight)
        with torch.no_grad():  # density 0.5: some strokes, so every tile pixel's edge passes a gradient
            self.head_hatch.bias.copy_(torch.tensor([0.5 * hatch.GAIN] * 3 + [60.0]))
        # the tiles in the head's space-to-depth layout: 3 x [1, 16 sub-pixels, TILE/4, TILE/4]
        t = torch.from_numpy(hatch.tiles() * hatch.GAIN).reshape(3, hatch.TILE // S2D, S2D, hatch.TILE // S2D, S2D)
        t = t.permute(0, 2, 4, 1, 3).reshape(3, 1, S2D * S2D, *t.shape[1:4:2])
        for k in range(3):
            self.register_buffer(f"tile{k}", t[k].clone(), persistent=False)
        # style + detail -> per-channel scale and shift (FiLM) at 1/16 and at 1/4
        self.film2 = nn.Linear(cond, 2 * c2)
        self.film0 = nn.Linear(cond, 2 * c0)
        self.folded = False  # True once the input normalisation lives in the stem weights

    @staticmethod
    def film(x, fc, cond):
        g, b = fc(cond).unsqueeze(-1).unsqueeze(-1).chunk(2, 1)
        return x * (1 + g) + b

    def fold_normalisation(self):
        """Make the stem take raw 0..255 values: x/127.5 - 1 folded into weights and bias."""
        with torch.no_grad():
            for c in (self.stem_rgb, self.stem_pm):
                bias_shift = c.weight.sum((1, 2, 3))
                c.weight /= 127.5
                if c.bias is not None:
                    c.bias -= bias_shift
                else:
                    self.stem_rgb.bias -= bias_shift
        self.folded = True

    def forward(self, frame, prev, mask, style, detail, hatching=False):
        """frame [N,H,W,3], prev/mask [N,H,W,1], all float 0..255; style [N,3], detail [N,1].
        Returns the drawing as float [N,H,W,1] in 0..255 (hatching: and its parts, for training:
        the hatching head's output per 4x4 cell [N,4,H/4,W/4] (3 densities x hatch.GAIN, pressure
        x 255) and the drawing before the hatching [N,H,W,1])."""
        n, h, w, _ = frame.shape
        rgb = frame.reshape(n, 1, h, 3 * w)
        pm = torch.cat([prev.reshape(n, 1, h, w), mask.reshape(n, 1, h, w)], 1)
        if not self.folded:
            rgb, pm = rgb / 127.5 - 1, pm / 127.5 - 1
        cond = torch.cat([style, detail * 2 - 1], 1)

        e0 = F.relu(self.stem(F.relu(self.stem_rgb(rgb) + self.stem_pm(pm))))
        e1 = F.relu(self.down1[1](F.relu(self.down1[0](e0))))
        e2 = F.relu(self.down2[0](e1))
        e2 = F.relu(self.film(self.down2[1](e2), self.film2, cond))
        e2 = F.relu(self.down2[2](e2))
        d1 = F.interpolate(self.up1[0](e2), scale_factor=2.0, mode="nearest") + e1
        d1 = F.relu(self.up1[1](F.relu(d1)))
        d0 = F.interpolate(self.up0[0](d1), scale_factor=2.0, mode="nearest") + e0
        d0 = F.relu(self.film(self.up0[1](F.relu(d0)), self.film0, cond))

        # hatching before the pixel shuffle, at 1/4 resolution with the 16 sub-pixels as channels:
        # the same arithmetic as at full resolution without a gather along the last axis (slow in
        # onnxruntime); densities and pressure are per cell (smooth fields), the tiles per pixel
        hd = self.head_hatch(d0)
        cells = hatch.TILE // S2D
        ch, cw = h // S2D, w // S2D
        rows = torch.arange(ch) % cells
        # the tiles over the frame: repeated along the width while they are 32 cells high (small),
        # then one row gather to the frame's height (onnxruntime gathers whole rows fast; along
        # the last axis, or a tile-then-slice over the whole frame, it costs a pass more)
        tile = lambda t: t.repeat(1, 1, 1, (cw + cells - 1) // cells)[..., :cw].index_select(2, rows)
        # per direction: the density minus its tile (a per-direction max, not a sum: a channel
        # reduction costs onnxruntime more than the rest of the hatching)
        over = [hd[:, k:k + 1] - tile(getattr(self, f"tile{k}")) for k in range(3)]
        strokes = torch.clamp(torch.maximum(torch.maximum(over[0], over[1]), over[2]), 0, 1)
        if self.training:  # a little gradient below the tiles, so that no region's hatching dies (not
            # above them: there it let saturated densities drift without bound, and runs rolled back)
            strokes = strokes + 0.05 * sum((o - o.detach()) * (o.detach() < 0) for o in over)
        base = self.head_fresh(d0)
        fresh = base - hd[:, 3:] * strokes
        fresh = F.pixel_shuffle(fresh, S2D).reshape(n, h, w, 1)  # [N,16,h/4,w/4] -> [N,H,W,1] in memory
        clamped = torch.clamp(fresh, 0, 255)
        # straight-through in training: a saturated pixel still gets a gradient (a plain clamp
        # once left the ink style stuck above white)
        fresh = fresh + (clamped - fresh).detach() if self.training else clamped
        alpha = torch.sigmoid(F.pixel_shuffle(self.head_alpha(d0), S2D)).reshape(n, h, w, 1)
        # A [1,1,1,1] constant, not a Python scalar: onnxruntime's CPU Mul by a 0-d tensor took
        # ~2 ms of the ~10 ms net at 640x368 (measured); broadcasting a 4-d one is ~0.1 ms.
        a = alpha * (mask * mask.new_full((1, 1, 1, 1), 1 / 255))
        out = fresh + a * (prev - fresh)
        return (out, hd, F.pixel_shuffle(base, S2D).reshape(n, h, w, 1)) if hatching else out


class Exported(nn.Module):
    """The ONNX contract around SketchNet: uint8 in, uint8 out, normalisation folded."""

    def __init__(self, net):
        super().__init__()
        self.net = copy.deepcopy(net).eval()
        self.net.fold_normalisation()

    def forward(self, frame, prev, mask, style, detail):
        out = self.net(frame.float(), prev.float(), mask.float(), style, detail)
        return torch.round(out).to(torch.uint8)  # already within 0..255: a convex blend of such


def macs(net, h=368, w=640):
    """Multiply-accumulates of one forward pass at h x w (convolutions only; the rest is tiny)."""
    total = 0

    def hook(m, _inp, out):
        nonlocal total
        total += out.numel() * m.in_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups

    hs = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        net(torch.zeros(1, h, w, 3), torch.zeros(1, h, w, 1), torch.zeros(1, h, w, 1),
            torch.zeros(1, 3), torch.zeros(1, 1))
    for hk in hs:
        hk.remove()
    return total
