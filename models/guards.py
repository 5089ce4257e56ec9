"""The drawing issue's guards: numbers that catch a drawing that is not one (a gray photo, ink
blotches, lost contours, ghosts of the past, a texture fixed to the screen). They guard against
fooling ourselves; what a person sees decides.

- tone: share of near-white (>= 230) and mid-gray (60..200) pixels of a still's drawing;
- edge ink: share of the photo's strong edges (Canny 100/200 on a bilateral-filtered luminance)
  with ink (<= 170) within 2 px;
- blotches: share of pixels inside solid-black blotches (< 60, in 15x15 windows >= 60 % black);
- strokes: high-pass energy of the drawing over the teacher's (mean |drawing - its 1.5 px blur|):
  a smooth wash where the teacher hatches is well under 1, crisp strokes near 1;
- ghosting: on clips with a moving foreground, the drawing of the moving regions (true flow > 1 px)
  with temporal on vs off: mean gradient and mean darkness ratios (1 = as crisp and dark);
- attachment: on moving clips, the warping error of the high-pass (texture) layer of the temporal
  output with the true flow, over the same with zero flow, on the photo's flat parts (< 1: strokes
  move with the scene).
"""

import cv2
import numpy as np


def tone_shares(gray):
    return float((gray >= 230).mean()), float(((gray >= 60) & (gray <= 200)).mean())


def edge_ink(rgb, gray):
    lum = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.bilateralFilter(lum, 9, 75, 75), 100, 200) > 0
    if not edges.any():
        return float("nan")
    near = cv2.dilate((gray <= 170).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    return float(near[edges].mean())


def blotch_share(gray):
    black = (gray < 60).astype(np.float32)
    windows = cv2.boxFilter(black, -1, (15, 15), normalize=True) >= 0.6
    inside = cv2.dilate(windows.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    return float((inside & (black > 0)).mean())


def stroke_energy(gray):
    f = gray.astype(np.float32)
    return float(np.abs(f - cv2.GaussianBlur(f, (0, 0), 1.5)).mean())


def _grad(img):
    f = img.astype(np.float32)
    return np.hypot(cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=3))


def ghosting(on, off, flows):
    """Ratios (on / off) of mean gradient and mean darkness over moving pixels, frames 1..N."""
    g_on = g_off = d_on = d_off = 0.0
    for t in range(1, len(on)):
        moving = np.hypot(flows[t][..., 0], flows[t][..., 1]) > 1
        if not moving.any():
            continue
        g_on += _grad(on[t])[moving].mean()
        g_off += _grad(off[t])[moving].mean()
        d_on += (255 - on[t][moving].astype(np.float32)).mean()
        d_off += (255 - off[t][moving].astype(np.float32)).mean()
    return {"gradient": g_on / max(g_off, 1e-9), "darkness": d_on / max(d_off, 1e-9)}


def attachment(outs, flows, valids, clean, warp):
    """High-pass warping error with the true flow / with zero flow (warp: evaluate.remap), on the
    photo's flat parts (no edge within a few px in the clean frame), where only texture is drawn."""
    hp = [o.astype(np.float32) - cv2.GaussianBlur(o.astype(np.float32), (0, 0), 2.0) for o in outs]
    true = zero = 0.0
    for t in range(1, len(hp)):
        flat = _grad(cv2.GaussianBlur(cv2.cvtColor(clean[t], cv2.COLOR_RGB2GRAY), (0, 0), 2.0)) < 8
        v = valids[t] & cv2.erode(flat.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
        if not v.any():
            continue
        true += np.abs(hp[t] - warp(hp[t - 1], flows[t], 0))[v].mean()
        zero += np.abs(hp[t] - hp[t - 1])[v].mean()
    return true / max(zero, 1e-9)
