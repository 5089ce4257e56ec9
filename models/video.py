"""Synthetic video with exact optical flow: a camera moving smoothly over a photo (pan, zoom,
rotation, perspective) plus an independently moving foreground layer cut from another photo,
so there are occlusions and disocclusions. The clean frames are what the teacher draws; the
network sees a degraded copy (brightness drift, webcam-like sensor noise, JPEG artifacts).

Every frame t is a homography A_t from frame pixels to photo pixels (and B_t for the foreground),
so the backward flow t -> t-1 is exact: p' = A_{t-1}^-1 A_t p.
"""

import cv2
import numpy as np


def _homography(h, w, t, motion, scale, static):
    """Frame -> photo coordinates for frame t of a smooth motion described by `motion`."""
    if static:
        t = 0
    c, v, ang, om, zr, px, py, wobble = motion
    s = scale * np.exp(zr * t)
    a = ang + om * t
    cx, cy = c + v * t + 0.5 * np.array([np.sin(0.7 * t), np.cos(0.5 * t)]) * wobble
    to_center = np.array([[1, 0, -w / 2], [0, 1, -h / 2], [0, 0, 1]], np.float64)
    persp = np.array([[1, 0, 0], [0, 1, 0], [px / w, py / h, 1]], np.float64)
    rs = np.array([[s * np.cos(a), -s * np.sin(a), 0], [s * np.sin(a), s * np.cos(a), 0], [0, 0, 1]])
    back = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], np.float64)
    return back @ rs @ persp @ to_center


def _motion(rng, ph, pw, h, w, scale, speed):
    """Random smooth-motion parameters that keep the view mostly inside a ph x pw photo."""
    margin = np.array([w, h]) * scale * 0.6
    c = np.array([rng.uniform(margin[0], max(margin[0] + 1, pw - margin[0])),
                  rng.uniform(margin[1], max(margin[1] + 1, ph - margin[1]))])
    v = rng.normal(0, speed, 2) * scale
    return (c, v, rng.normal(0, 0.05), rng.normal(0, 0.01 * speed / 3), rng.normal(0, 0.01 * speed / 3),
            rng.normal(0, 0.08), rng.normal(0, 0.08), rng.uniform(0, speed * scale))


def _warp(img, A, h, w, border=cv2.BORDER_REFLECT101, interp=cv2.INTER_LINEAR):
    return cv2.warpPerspective(img, A, (w, h), flags=interp | cv2.WARP_INVERSE_MAP, borderMode=border)


def _map(M, h, w):
    """Apply homography M to every pixel (x, y) of an h x w frame -> float32 [h, w, 2]."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    p = M @ np.stack([xx.ravel(), yy.ravel(), np.ones(h * w)])
    return (p[:2] / p[2]).T.reshape(h, w, 2).astype(np.float32)


def _blob(rng, size):
    """A soft-edged random blob (alpha in 0..1) on a size x size canvas."""
    ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    r = size * 0.38 * np.exp(np.convolve(np.tile(rng.normal(0, 0.35, 24), 3), np.ones(5) / 5, "same")[24:48])
    pts = np.stack([size / 2 + r * np.cos(ang), size / 2 + r * np.sin(ang)], 1).astype(np.int32)
    m = np.zeros((size, size), np.float32)
    cv2.fillPoly(m, [pts], 1.0)
    return cv2.GaussianBlur(m, (0, 0), 1.0)


def degrade(rng, frame, level):
    """Webcam-like input: signal-dependent sensor noise, mild softness, JPEG artifacts.
    `level` in 0..1 scales noise and compression."""
    f = frame.astype(np.float32)
    sigma = np.sqrt((1 + 20 * level) ** 2 * rng.uniform(0.5, 1) + f * 0.15 * level)
    f = f + rng.normal(0, 1, f.shape).astype(np.float32) * sigma
    f += rng.normal(0, 1.5 * level, (1, 1, 3)).astype(np.float32)  # per-frame colour cast jitter
    f = np.clip(f + 0.5, 0, 255).astype(np.uint8)
    q = int(90 - 55 * level * rng.uniform(0.5, 1))
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(f, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def clip(rng, bg, fg_photo, n, h, w, speed=3.0, static=False, noise=None, scene_coords=False):
    """n frames of h x w. Returns dict with clean, noisy [n,h,w,3] uint8, flow [n,h,w,2] (backward,
    t -> t-1; flow[0] = 0) and valid [n,h,w] bool (correspondence exists: not occluded, in view).
    scene_coords: also `coords` [n,h,w,2] float32, each pixel's position in its layer's frame 0
    (the pixel grid in frame 0), for the teacher to draw strokes that move with the scene."""
    ph, pw = bg.shape[:2]
    scale = rng.uniform(0.6, 1.6) * min(1.0, min(ph / h, pw / w) / 1.8)
    motion = _motion(rng, ph, pw, h, w, scale, speed)
    A = [_homography(h, w, t, motion, scale, static) for t in range(n)]
    gain = 1 + rng.uniform(0, 0.12) * np.sin(rng.uniform(0, 6) + rng.uniform(0.2, 0.8) * np.arange(n))
    noise = rng.uniform(0, 1) if noise is None else noise

    fg_size = int(min(h, w) * rng.uniform(0.35, 0.8))
    use_fg = fg_photo is not None and not static and rng.uniform() < 0.7
    if use_fg:
        fy, fx = rng.integers(0, max(1, fg_photo.shape[0] - fg_size)), rng.integers(0, max(1, fg_photo.shape[1] - fg_size))
        tex = cv2.resize(fg_photo[fy:fy + fg_size, fx:fx + fg_size], (fg_size, fg_size))
        alpha_tex = _blob(rng, fg_size)
        fm = (np.array([fg_size / 2, fg_size / 2]), rng.normal(0, speed * 1.5, 2), 0, rng.normal(0, 0.04),
              rng.normal(0, 0.02), 0, 0, 0)
        start = np.array([rng.uniform(-0.2, 0.2) * w, rng.uniform(-0.2, 0.2) * h])
        B = []
        for t in range(n):
            Bt = _homography(h, w, t, fm, 1.0, False)
            B.append(Bt @ np.array([[1, 0, -start[0]], [0, 1, -start[1]], [0, 0, 1]]))

    clean, noisy, flow, valid, coords = [], [], [], [], []
    alphas = []
    for t in range(n):
        f = _warp(bg, A[t], h, w).astype(np.float32)
        if use_fg:
            a = _warp(alpha_tex, B[t], h, w, cv2.BORDER_CONSTANT)[..., None]
            f = a * _warp(tex, B[t], h, w, cv2.BORDER_CONSTANT).astype(np.float32) + (1 - a) * f
            alphas.append(a[..., 0])
        f = np.clip(f * gain[t] + 0.5, 0, 255).astype(np.uint8)
        clean.append(f)
        noisy.append(degrade(rng, f, noise))
        if scene_coords:
            c = _map(np.linalg.inv(A[0]) @ A[t], h, w)
            if use_fg:
                c = np.where((alphas[t] > 0.5)[..., None], _map(np.linalg.inv(B[0]) @ B[t], h, w), c)
            coords.append(c)
        if t == 0:
            flow.append(np.zeros((h, w, 2), np.float32))
            valid.append(np.zeros((h, w), bool))
            continue
        grid = _map(np.eye(3), h, w)
        m_bg = _map(np.linalg.inv(A[t - 1]) @ A[t], h, w)
        m = m_bg
        inside = lambda mm: (mm[..., 0] >= 0) & (mm[..., 0] <= w - 1) & (mm[..., 1] >= 0) & (mm[..., 1] <= h - 1)
        ok = inside(m_bg)
        if use_fg:
            m_fg = _map(np.linalg.inv(B[t - 1]) @ B[t], h, w)
            is_fg = alphas[t] > 0.5
            m = np.where(is_fg[..., None], m_fg, m_bg)
            prev_alpha = cv2.remap(alphas[t - 1], m_bg[..., 0], m_bg[..., 1], cv2.INTER_LINEAR, borderValue=0)
            # background stays valid only where the foreground did not cover it in frame t-1;
            # soft blob edges (mixed pixels) are neither layer
            ok = np.where(is_fg, inside(m_fg), ok & (prev_alpha < 0.05))
            ok &= np.abs(alphas[t] - 0.5) > 0.45
        flow.append(m - grid)
        valid.append(ok)
    out = {"clean": np.stack(clean), "noisy": np.stack(noisy), "flow": np.stack(flow), "valid": np.stack(valid)}
    return out | ({"coords": np.stack(coords)} if scene_coords else {})
