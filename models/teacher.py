"""The teacher: a classical, deterministic pencil renderer the student network learns to imitate.

Lines: XDoG (Winnemöller 2012) on an edge-preserving smoothed luminance, then smoothed along the
edge tangent from the structure tensor, a cheap stand-in for Kang's flow-based DoG (2007) that
joins broken contours. Line darkness grows with edge contrast, so weight follows edge strength and
strokes taper where an edge fades.
Lines are softened by a sub-pixel blur, as graphite is.
Tone: smooth graphite shading whose darkness follows the image tone (Lu, Xu & Jia 2012 tone map
idea), modulated by low-contrast hatching whose direction follows the surface (the coarse
structure-tensor tangent picks among four orientations) and by paper tooth. Bright flat regions
stay paper-white.

Hatching and tooth are fixed to the paper (the screen) and kept faint on purpose: a picture that
moves under them can't carry them along, so at full contrast they were most of the student's
error and flicker (a one-pixel shift of the photo changed the old full-contrast hatching by
L1 0.08). Both repeat every 4 px: the student ends in a 4x pixel-shuffle, so it knows every output
pixel's position modulo 4 and can reproduce them, where a non-periodic screen texture would only be
learnable as its blurred mean.
"""

import cv2
import numpy as np

STYLES = ("pencil", "ink", "charcoal")

# One period of a 4-px hatch line across its stroke (dark centre, soft sides).
_PROFILE = np.array([1.0, 0.35, 0.0, 0.35], np.float32)
HATCH_CONTRAST = 0.25  # hatching scales the graphite by 1 +- about this
GRAIN = 0.04  # paper tooth scales it by 1 +- this (charcoal 1.5x)
LINE_SOFTNESS = 0.6  # Gaussian sigma (px) of the line blur


def _hatch_patterns(h, w):
    """Four hatch textures in [0, 1] (0°, 45°, 90°, 135° strokes), each periodic with period 4."""
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([_PROFILE[yy % 4], _PROFILE[(xx + yy) % 4], _PROFILE[xx % 4], _PROFILE[(xx - yy) % 4]])


def _grain(h, w, amount):
    """Paper tooth: a fixed 4x4 tile of values in 1 +- amount."""
    tile = np.random.default_rng(7).uniform(1 - amount, 1 + amount, (4, 4)).astype(np.float32)
    return np.tile(tile, (h // 4 + 1, w // 4 + 1))[:h, :w]


def _line_kernels(length):
    """Normalised 1-px line kernels along the four hatch orientations (for tangent smoothing)."""
    n = 2 * length + 1
    ks = []
    for dy, dx in ((0, 1), (1, 1), (1, 0), (1, -1)):
        k = np.zeros((n, n), np.float32)
        for t in range(-length, length + 1):
            k[length + t * dy, length + t * dx] = 1
        ks.append(k / k.sum())
    return ks


def _orientation_weights(lum, sigma):
    """Soft weights of the four orientations (0°, 45°, 90°, 135°) for the local edge tangent,
    from the smoothed structure tensor; low-coherence areas fall back to 45° (the usual
    right-hander's hatch)."""
    gx = cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3)
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), sigma)
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), sigma)
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), sigma)
    grad = 0.5 * np.arctan2(2 * jxy, jxx - jyy)  # gradient angle, image coords (y down)
    tangent = grad + np.pi / 2
    coh = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / (jxx + jyy + 1e-6)
    # hatch orientation i runs along angle i*45° in (x right, y down) coordinates
    ws = [np.maximum(np.cos(2 * (tangent - i * np.pi / 4)), 0) ** 8 for i in range(4)]
    c = np.clip(coh * 2 - 0.4, 0, 1)
    ws = [c * w_ + (1 - c) * (1.0 if i == 1 else 0.0) for i, w_ in enumerate(ws)]
    s = sum(ws) + 1e-6
    return [w_ / s for w_ in ws]


def render(rgb, style="pencil", detail=0.5):
    """RGB uint8 [H, W, 3] -> grayscale uint8 [H, W] drawing (255 = paper)."""
    style = STYLES.index(style) if isinstance(style, str) else int(style)
    detail = float(np.clip(detail, 0, 1))
    h, w = rgb.shape[:2]
    lum = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    # Edge-preserving smoothing first, so texture and noise do not become scribbles.
    smooth = cv2.bilateralFilter(lum, 7, 0.12, 3)

    # --- lines (XDoG) --------------------------------------------------------------------------
    sigma = (2.4 - 1.6 * detail) * (1.35 if style == 2 else 1.0)
    g1 = cv2.GaussianBlur(smooth, (0, 0), sigma)
    g2 = cv2.GaussianBlur(smooth, (0, 0), 1.6 * sigma)
    dog = g2 - g1  # > 0 on the dark side of an edge: where a line goes
    orient = _orientation_weights(smooth, 3.0)
    along = sum(wi * cv2.filter2D(dog, -1, k) for wi, k in zip(orient, _line_kernels(3)))
    thresh = 0.016 - 0.012 * detail
    gain = (1.3 if style == 0 else 1.6) / (0.05 - 0.02 * detail)
    line = np.clip(np.tanh(np.maximum(along - thresh, 0) * gain), 0, 1)
    line = cv2.GaussianBlur(line, (0, 0), LINE_SOFTNESS)
    line_ink = (0.85, 1.0, 0.95)[style]

    # --- tone (graphite; hatching and tooth only modulate it, see the module docstring) --------
    base = cv2.GaussianBlur(smooth, (0, 0), 1.5 + 1.0 * (style == 2))
    darkness = np.clip((0.7 - base) / 0.6, 0, 1) ** 1.2  # bright regions -> 0 = paper
    if style == 0:
        # the hatch direction follows coarser structure than the lines, so noise barely turns it
        hatch = sum(wi * p for wi, p in zip(_orientation_weights(smooth, 6.0), _hatch_patterns(h, w)))
        strokes = 1 + HATCH_CONTRAST * (hatch - _PROFILE.mean())
        t1 = np.clip(darkness * 1.4, 0, 1)
        t2 = np.clip((darkness - 0.5) * 2.0, 0, 1)
        graphite = np.clip((0.35 * t1 + 0.3 * t2) * strokes * _grain(h, w, GRAIN), 0, 0.9)
    elif style == 1:
        graphite = 0.95 * np.clip((darkness - 0.75) * 5, 0, 1)  # ink fills only the darkest areas
    else:
        t = np.clip(darkness * 1.3, 0, 1) ** 0.8
        graphite = np.clip(0.8 * t * _grain(h, w, 1.5 * GRAIN), 0, 0.95)

    out = (1 - line_ink * line) * (1 - graphite)
    return np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)


if __name__ == "__main__":
    import os
    import sys
    import time

    import data

    out = os.path.join(data.CACHE, "teacher")
    os.makedirs(out, exist_ok=True)
    names = sys.argv[1:] or ["astronaut", "building", "Dune", "coffee"]
    for e, img in data.photos("val", 640) + data.photos("train", 640):
        if not any(n in e["file"] for n in names):
            continue
        t0 = time.perf_counter()
        rows = [np.concatenate([cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)] + [render(img, s, 0.5) for s in STYLES[:1]], 1)]
        rows.append(np.concatenate([render(img, s, d) for s, d in (("ink", 0.5), ("charcoal", 0.5))], 1))
        rows.append(np.concatenate([render(img, "pencil", d) for d in (0.0, 1.0)], 1))
        ms = (time.perf_counter() - t0) * 1000 / 5
        name = os.path.basename(e["file"]).split(".")[0]
        cv2.imwrite(os.path.join(out, f"{name}.png"), np.concatenate(rows, 0))
        print(name, img.shape, f"{ms:.1f} ms/render")
