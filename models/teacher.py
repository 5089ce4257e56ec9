"""The teacher (v3): a classical, deterministic pencil renderer the student network learns to imitate.

    python3 models/teacher.py          # self-checks (scene-attached hatching, detail, speed)
    python3 models/teacher_sheet.py    # contact sheet + tone statistics over the validation photos

A pencil drawing is mostly bare paper: Lu, Xu & Jia (2012) measured drawings as a mixture of a
bright (paper), a mild (hatched) and a dark layer, about 76:22:2, mean ~220. So, top to bottom:

1. Tone. The smoothed luminance, with its local contrast raised (a storm sky keeps its clouds), is
   histogram-matched to that parametric target, so a dark, foggy or low-contrast photo gives about
   the same share of paper as a well exposed one.
2. Edge tangent flow (ETF): the smoothed structure tensor (Kang 2007 uses an iterative ETF; a
   Gaussian-smoothed tensor is the cheap equivalent), with a weak 45-degree prior where there is
   no structure (a right-hander's hatch).
3. Hatching. Tone is drawn only as stroke density, through a tonal art map (Praun et al. 2001;
   hatch.py): three tiles of short parallel strokes (0, 63 and 117 degrees), each stroke with its
   own threshold; a direction's density is the remapped darkness times how well the direction fits
   the ETF, and raising it adds strokes one by one and thickens them. Bright tones stay bare paper,
   mild ones get sparse light strokes, dark ones a cross-hatch layer in the next direction. The
   student shares the tiles, so it can draw these exact strokes (the previous teacher's strokes,
   seeded by noise it could not see, it learnt only as a smooth wash).
4. Contours: flow-based DoG (Kang 2007) with the XDoG soft threshold (Winnemoeller 2012): a DoG
   smeared along the ETF, darker with edge strength, in a value that also sees colour edges;
   gated by how much of the local gradient survives a coarse blur, so fine texture (grass, gravel)
   leaves only sparse strokes; a smooth low-frequency displacement gives a slight hand wobble;
   the along-flow smear tapers the ends.
5. Styles: pencil (gray graphite), ink (crisp black lines of varying weight, sparse hatching in the
   darkest tones, solid black only for large, really black regions: "spot blacks"), charcoal
   (heavier strokes and lines, a smudged tone rubbed into the dark parts, paper tooth).
6. `detail` 0..1: DoG scale 2.2 -> 0.9 px, lower threshold, lighter lines: fewer, bolder marks ->
   more, finer ones.

Every stroke texture (hatching tiles, wobble, tooth) is sampled at `coords`, a pixel's position in
the object's own coordinates, so a caller that knows the homography of a layer can make the hatching
move with it; by default coords is the pixel grid (texture fixed to the screen).
"""

import math

import cv2
import numpy as np

import hatch

STYLES = ("pencil", "ink", "charcoal")

# --- tone target: Lu, Xu & Jia 2012, eq. (4)-(6) with their parameters (values in 0..255) ----------
TONE_WEIGHTS = (0.76, 0.22, 0.02)  # bright : mild : dark
SIGMA_BRIGHT = 9.0  # Laplacian falloff from paper white
MILD_RANGE = (105.0, 225.0)  # uniform mild layer
DARK_MEAN, DARK_SIGMA = 90.0, 11.0  # Gaussian dark layer

TONE_BLUR = 3.5  # px; the hatching follows regions, not single grass blades
LOCAL_CONTRAST = 2.5  # tone input = lum + this x (lum - its 30 px Gaussian mean)

# --- lines -------------------------------------------------------------------------------------------
CHROMA_WEIGHT = 0.4  # share of min(R, G, B) in the value the contours are found in
MIN_RANGE = 0.25  # the lines' contrast stretch is at most 1 / this (flat pictures: noise stays noise)

# --- hatching (hatch.py: the stroke tiles the student shares) ----------------------------------------
NOISE_TILE = 256  # side of the paper tooth and wobble tiles (wrap)
PAPER_DARKNESS = 0.03  # remapped darkness below this stays bare paper
CROSS_DARKNESS = 0.35  # the cross-hatch layer (the next tile direction, ~60 degrees on) starts here
WOBBLE_PX = 1.0  # amplitude of the contours' hand wobble
WOBBLE_PERIOD = 48.0  # its wavelength in px (of coords)

_rng = np.random.default_rng(7)
_TOOTH = _rng.uniform(0, 1, (NOISE_TILE, NOISE_TILE)).astype(np.float32)
_WOBBLE = _rng.standard_normal((2, 16, 16)).astype(np.float32)
_HATCH = hatch.tiles()


def _tone_target():
    """Inverse CDF of the Lu/Xu/Jia pencil tone mixture: quantile (0..1, 1024 steps) -> tone 0..1."""
    v = np.arange(256, dtype=np.float64)
    bright = np.exp(-(255 - v) / SIGMA_BRIGHT) / SIGMA_BRIGHT
    mild = ((v >= MILD_RANGE[0]) & (v <= MILD_RANGE[1])) / (MILD_RANGE[1] - MILD_RANGE[0])
    dark = np.exp(-((v - DARK_MEAN) ** 2) / (2 * DARK_SIGMA**2)) / (math.sqrt(2 * math.pi) * DARK_SIGMA)
    p = TONE_WEIGHTS[0] * bright + TONE_WEIGHTS[1] * mild + TONE_WEIGHTS[2] * dark
    cdf = np.cumsum(p / p.sum())
    return np.interp(np.linspace(0, 1, 1024), cdf, v / 255).astype(np.float32)


_TONE_INV_CDF = _tone_target()


def tone_map(lum):
    """Histogram-match lum (0..1, already smoothed) to the pencil tone target. A pixel's quantile is
    the middle of its bin's CDF step, so a large flat area lands in the middle of its tone range."""
    q = np.clip(lum * 1023 + 0.5, 0, 1023).astype(np.int32)
    hist = np.bincount(q.ravel(), minlength=1024).astype(np.float64)
    cdf = (np.cumsum(hist) - 0.5 * hist) / q.size
    return _TONE_INV_CDF[np.clip(cdf * 1023 + 0.5, 0, 1023).astype(np.int32)][q]


def _flow(lum, sigma):
    """Edge tangent (unit vectors tx, ty, image coords with y down) from the structure tensor smoothed
    at sigma; plus its coherence 0..1. A weak 45-degree prior decides flat regions."""
    gx = cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3)
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), sigma)
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), sigma)
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), sigma)
    # prior: a gradient along (1, 1)/sqrt2 -> tangent along (1, -1): strokes from lower left to upper right
    prior = 2e-3
    jxx, jyy, jxy = jxx + prior / 2, jyy + prior / 2, jxy + prior / 2
    grad = 0.5 * np.arctan2(2 * jxy, jxx - jyy)
    coh = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / (jxx + jyy + 1e-9)
    return -np.sin(grad), np.cos(grad), coh


def _sample(tile, coords, scale, interp=cv2.INTER_LINEAR):
    """Lookup of a wrapping tile at coords * scale."""
    c = np.mod(coords * scale, tile.shape[0]).astype(np.float32)
    return cv2.remap(tile, c[..., 0], c[..., 1], interp, borderMode=cv2.BORDER_WRAP)


def _taper(half):
    """Weights along a stroke, k = 0..half from its middle: nearly flat, falling off at the ends."""
    return [1 - (k / (half + 1)) ** 2 for k in range(half + 1)]


def _smear(img, grid, tx, ty, half, step=1.0):
    """Weighted average of img along the direction (tx, ty) over +-half px: a straight line integral
    convolution (Cabral & Leedom 1993). The taper weights make stroke ends fade."""
    wts = _taper(half)
    acc, wsum = img.copy(), 1.0
    for k in range(1, half + 1):
        for s in (-1, 1):
            d = s * k * step
            acc += wts[k] * cv2.remap(img, grid[..., 0] + d * tx, grid[..., 1] + d * ty, cv2.INTER_LINEAR,
                                      borderMode=cv2.BORDER_REFLECT101)
            wsum += wts[k]
    return acc / wsum


def spot_blacks(lum, min_area):
    """Mask of large, really black regions ("spot blacks"): dark pixels, opened (no thin parts), only
    connected parts of at least min_area px, then a smooth outline (blurred and re-thresholded) with
    a 1 px soft edge. The rest of the dark tone is left to lines and hatching."""
    dark = (cv2.GaussianBlur(lum, (0, 0), 1.5) < 0.07).astype(np.uint8)
    dark = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (13, 13)))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    keep = np.zeros(n, np.float32)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    smooth = cv2.GaussianBlur(keep[lab], (0, 0), 2.5)
    return np.clip((smooth - 0.5) * 3 + 0.5, 0, 1)


def _contours(norm, grid, coords, tx, ty, style, detail):
    """Line darkness 0..1: DoG smeared along the flow (FDoG), soft-thresholded (XDoG), gated by a
    coarse edge measure, displaced by a smooth wobble."""
    sigma = (2.2 - 1.3 * detail) * (1.5 if style == 2 else 1.0)
    g1 = cv2.GaussianBlur(norm, (0, 0), sigma)
    g2 = cv2.GaussianBlur(norm, (0, 0), 1.6 * sigma)
    dog = _smear(g2 - g1, grid, tx, ty, 6)  # > 0 on the dark side of an edge
    # boundary or texture? At a boundary the gradient survives a 3 px blur (coarse ~ 0.5 x the local
    # gradient energy); in grass or gravel the gradients cancel out. The ratio, not the contrast,
    # gates the lines, so faint clean boundaries stay and busy texture keeps only sparse strokes.
    gx, gy = cv2.Sobel(norm, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(norm, cv2.CV_32F, 0, 1, ksize=3)
    energy = np.sqrt(cv2.GaussianBlur(gx * gx + gy * gy, (0, 0), 3.0))
    c = cv2.GaussianBlur(norm, (0, 0), 3.0)
    coarse = np.sqrt(cv2.Sobel(c, cv2.CV_32F, 1, 0, ksize=3) ** 2 + cv2.Sobel(c, cv2.CV_32F, 0, 1, ksize=3) ** 2)
    gate = np.clip((coarse / (energy + 0.02) - (0.25 - 0.12 * detail)) / 0.2 + coarse / 0.3, 0, 1)
    thresh = 0.016 - 0.01 * detail
    gain = (1.6 if style == 0 else 2.0) / 0.035
    line = np.tanh(np.maximum(dog * gate - thresh, 0) * gain)
    if style == 1:  # ink: a crisp edge, weight from the width of the strong response
        line = np.clip((line - 0.25) * 3, 0, 1)
    # hand wobble: a smooth displacement field fixed to the scene coordinates
    wob = np.stack([_sample(t, coords, 1 / WOBBLE_PERIOD, cv2.INTER_CUBIC) for t in _WOBBLE], -1)
    line = cv2.remap(line.astype(np.float32), grid[..., 0] + WOBBLE_PX * wob[..., 0],
                     grid[..., 1] + WOBBLE_PX * wob[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
    return cv2.GaussianBlur(line, (0, 0), 1.4 - 0.7 * detail) if style == 2 else line


def render(rgb, style="pencil", detail=0.5, coords=None):
    """RGB uint8 [H, W, 3] -> grayscale uint8 [H, W] drawing (255 = paper).
    coords: optional float32 [H, W, 2], each pixel's (x, y) in the object's/layer's own coordinates;
    the stroke textures are sampled there (None: the pixel grid)."""
    return render_layers(rgb, style, detail, coords)[0]


def render_layers(rgb, style="pencil", detail=0.5, coords=None):
    """render()'s drawing, its contour layer (float32 0..1 line darkness, before the tone: the part
    of the drawing that follows from the photo alone, wherever the strokes fall), and its parts
    (float32): the hatching's per-direction `density` [H, W, 3] and `pressure` [H, W], the smooth
    fields the student's hatching head predicts, and the `base` [H, W] they are drawn on (lines,
    spot blacks, smudge): drawing = base - pressure x hatch.ink(density, tiles)."""
    style = STYLES.index(style) if isinstance(style, str) else int(style)
    detail = float(np.clip(detail, 0, 1))
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    grid = np.stack([xx, yy], -1)
    coords = grid if coords is None else np.asarray(coords, np.float32)
    lum = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    smooth = cv2.bilateralFilter(lum, 7, 0.12, 3)  # edge-preserving: noise must not become scribbles
    # the lines see colour edges too: saturated colours weigh like darker values (min channel)
    value = (1 - CHROMA_WEIGHT) * smooth + CHROMA_WEIGHT * cv2.bilateralFilter(
        rgb.min(2).astype(np.float32) / 255, 7, 0.12, 3)
    lo, hi = np.percentile(value, (1, 99))
    norm = np.clip((value - lo) / max(hi - lo, MIN_RANGE), 0, 1)  # contrast-normalised for the lines

    tx, ty, _ = _flow(norm, 4.0)
    line = _contours(norm, grid, coords, tx, ty, style, detail)
    # tone: local contrast first (a storm sky keeps its clouds), then the global pencil histogram
    base = cv2.GaussianBlur(smooth, (0, 0), TONE_BLUR)
    darkness = 1 - tone_map(np.clip(base + LOCAL_CONTRAST * (base - cv2.GaussianBlur(base, (0, 0), 30.0)), 0, 1))

    # hatching: per tile direction a density (darkness x how well the direction fits the ETF; the
    # cross-hatch layer takes the next direction), inked through the shared stroke tiles
    tiles = np.stack([_sample(t, coords, 1.0) for t in _HATCH], -1)
    wt = hatch.weights(np.degrees(np.arctan2(ty, tx)) % 180)
    # square root: the mild tones get sparse light strokes, not bare paper up to a hard edge
    ramp = lambda lo, span, top: np.sqrt(np.clip((darkness - lo) / span, 0, 1))[..., None] * top
    if style == 0:
        density = ramp(PAPER_DARKNESS, 0.45, 1.2) * wt + ramp(CROSS_DARKNESS, 0.35, 1.0) * np.roll(wt, 1, -1)
        press = 0.4 + 0.4 * darkness  # darker tones: more pressure
        base = 1 - (0.9 - 0.2 * detail) * line  # bolder lines at low detail
    elif style == 1:
        black = spot_blacks(lum, 0.012 * h * w)
        density, press = ramp(0.4, 0.25, 1.0) * wt, np.ones_like(darkness)  # sparse, darkest tones only
        base = (1 - line) * (1 - black)
    else:
        smudge = cv2.GaussianBlur(np.clip(darkness - 0.3, 0, 1), (0, 0), 5.0)  # rubbed-in tone, dark only
        tooth = 0.75 + 0.5 * _sample(_TOOTH, coords, 0.7)
        density = ramp(PAPER_DARKNESS, 0.4, 1.2) * wt + ramp(0.45, 0.3, 0.9) * np.roll(wt, 1, -1)
        press = 0.6 + 0.4 * darkness
        base = (1 - 0.95 * line) * (1 - 0.5 * smudge * tooth)
    out = base - press * hatch.ink(density, tiles)
    return (np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8), line,
            {"density": density.astype(np.float32), "pressure": press.astype(np.float32), "base": base.astype(np.float32)})


def colorize(gray, rgb, saturation=0.45):
    """Colored pencil from a drawing (uint8 HxW, 255 = paper) and its frame (uint8 HxWx3, RGB):
    paper white times (1 - ink) plus ink times a desaturated, slightly lightened frame colour.
    Per pixel, in integers, for each channel c of R, G, B:

        ink   = 255 - gray                                  # 0 = bare paper .. 255 = full stroke
        Y     = (77 R + 150 G + 29 B + 128) >> 8            # the frame's luma (BT.601)
        d_c   = clamp(Y + ((s256 * (c - Y)) >> 8), 0, 255)  # desaturated; s256 = round(256 * saturation)
        k_c   = (15 * d_c + 255 + 8) >> 4                   # lightened a sixteenth toward white
        out_c = 255 - ((ink * (255 - k_c) + 127) // 255)

    `>>` on a negative number floors (as in JavaScript's >> on int32). Bare paper stays 255;
    a full stroke takes the colour k."""
    ink = 255 - gray.astype(np.int32)[..., None]
    c = rgb.astype(np.int32)
    y = ((77 * c[..., 0] + 150 * c[..., 1] + 29 * c[..., 2] + 128) >> 8)[..., None]
    s256 = int(round(256 * saturation))
    d = np.clip(y + ((s256 * (c - y)) >> 8), 0, 255)
    k = (15 * d + 255 + 8) >> 4
    return (255 - (ink * (255 - k) + 127) // 255).astype(np.uint8)


def check_coords(rgb, dx=7, dy=5, style="pencil", attach=True, crop=True, margin=96):
    """Scene-attached hatching: the photo shifted by (dx, dy) px, drawn with coords = its pixels'
    position in the unshifted photo, should equal the shifted drawing of the photo away from the
    borders (margin px: the tone's 30 px local mean reaches ~3 sigma into the picture).
    crop=True shifts by cropping (the two pictures differ in a 7 px / 5 px strip, so the global
    tone histogram and contrast percentiles differ a little); crop=False rolls the photo (same
    pixels, same statistics). attach=False draws the shifted photo with the default (screen)
    coords, for comparison. Returns the mean, 99th percentile and max |difference| in levels."""
    h, w = rgb.shape[:2]
    if crop:
        a, b = rgb[: h - dy, : w - dx], rgb[dy:, dx:]
    else:
        a, b = rgb, np.roll(rgb, (-dy, -dx), (0, 1))
    yy, xx = np.mgrid[0:b.shape[0], 0:b.shape[1]].astype(np.float32)
    ra = render(a, style).astype(np.int32)
    rb = render(b, style, coords=np.stack([xx + dx, yy + dy], -1) if attach else None).astype(np.int32)
    if crop:  # overlap: b's pixel (y, x) is a's (y + dy, x + dx)
        ra, rb = ra[dy:, dx:], rb[: h - 2 * dy, : w - 2 * dx]
    else:
        ra = np.roll(ra, (-dy, -dx), (0, 1))
    m = margin
    diff = np.abs(ra[m:-m, m:-m] - rb[m:-m, m:-m])
    return round(float(diff.mean()), 2), round(float(np.percentile(diff, 99)), 1), int(diff.max())


def check_detail(photos, style, details=(0.0, 0.5, 1.0)):
    """`detail` moves from fewer, bolder marks to more, finer ones: per detail, the number of separate
    dark marks (connected parts of pixels < 100) per 10k px and their mean size in px."""
    res = []
    for d in details:
        n = px = 0
        for img in photos:
            m = (render(img, style, d) < 100).astype(np.uint8)
            n += cv2.connectedComponents(m)[0] - 1
            px += int(m.sum())
        res.append((d, round(n / sum(p.shape[0] * p.shape[1] for p in photos) * 1e4, 1), round(px / max(n, 1), 1)))
    return res


if __name__ == "__main__":
    import time

    import data

    photos = [img for _, img in data.photos("val", 480)]
    for style in STYLES:
        print(f"{style}: shifted photo vs shifted drawing, |difference| mean / p99 / max levels: crop with coords",
              check_coords(photos[0], style=style), "without", check_coords(photos[0], style=style, attach=False),
              "| rolled with coords", check_coords(photos[0], style=style, crop=False))
    for style in STYLES:
        print(f"{style}: detail -> marks per 10k px, mean mark size px:", check_detail(photos[:4], style))
    img = cv2.resize(photos[0], (480, 272), interpolation=cv2.INTER_AREA)
    for style in STYLES:
        render(img, style)
        t0 = time.perf_counter()
        for _ in range(5):
            render(img, style)
        print(f"{style}: {(time.perf_counter() - t0) / 5 * 1000:.0f} ms per 480x272 render")
