"""Hatching as a tonal art map (Praun et al. 2001): fixed stroke tiles that the teacher and the
student share, so the student can draw the teacher's exact strokes instead of their blurred mean.

Each of the three tiles holds short parallel strokes in one direction; every stroke has a random
threshold, and a pixel is inked where the local stroke density exceeds it:

    ink = clip(GAIN * max_k(density_k - tile_k), 0, 1)   (then scaled by the pencil's pressure)

so raising the density adds strokes one by one and thickens them (a stroke's threshold rises
with the distance from its axis and towards its ends: thin tapered strokes first, fuller ones
at high pressure). The densities are smooth fields (darkness times orientation weights, which the
ETF decides), which a small network predicts well; the crisp part comes from the tiles.

The tiles wrap (period TILE px). The teacher samples them at scene coordinates (a pixel's position
in the object's own frame), the student at the pixel grid; in a video the student carries its
strokes along the warped previous drawing, so hatching moves with the scene. Directions are the
integer vectors (1,0), (1,2), (-1,2) (0, 63.4 and 116.6 degrees; the cross-hatch layer uses the next
one) because lines of those directions close up on a 128 px torus at a constant spacing.
"""

import math

import numpy as np

TILE = 128
DIRECTIONS = ((1, 0), (1, 2), (-1, 2))  # x right, y down
ANGLES = tuple(math.degrees(math.atan2(b, a)) % 180 for a, b in DIRECTIONS)
LINES = (36, 16, 16)  # lines per tile for each direction: spacing = TILE / |d| / lines ~ 3.56 px
STROKE_LEN = (12.0, 26.0)  # px
GAP = (2.0, 7.0)  # px between strokes on a line
WIDTH = 0.18  # threshold added per px^2 off the stroke axis (stroke ~1.3 px at low density)
TAPER = 0.35  # threshold added at a stroke's ends (they appear last)
GRAIN = 0.10  # paper grain: graphite skips over it at low density
GAIN = 4.0  # 1 / the soft edge of a stroke, in density units
EMPTY = 1.6  # threshold where no stroke lies (never inked at density <= 1)


def _tile(direction, lines, rng):
    a, b = direction
    norm = math.hypot(a, b)
    d = np.array([a, b]) / norm
    n = np.array([-b, a]) / norm
    spacing = TILE / norm / lines
    length = TILE * norm  # a line of this direction closes up after this many px
    t = np.full((TILE, TILE), EMPTY, np.float64)
    r = math.ceil(STROKE_LEN[1] / 2 + 2)
    oy, ox = np.mgrid[-r:r + 1, -r:r + 1].astype(np.float64)
    for j in range(lines):
        s = rng.uniform(0, GAP[1])
        while True:
            half = rng.uniform(*STROKE_LEN) / 2
            if s + 2 * half > length - GAP[0]:
                break
            ang = rng.normal(0, 0.04)  # a hand does not rule its lines
            dj = np.array([d[0] * math.cos(ang) - d[1] * math.sin(ang), d[0] * math.sin(ang) + d[1] * math.cos(ang)])
            nj = np.array([-dj[1], dj[0]])
            c = (j * spacing + rng.normal(0, 0.25)) * n + (s + half) * d
            ci = np.round(c)
            rx, ry = ox + ci[0] - c[0], oy + ci[1] - c[1]
            along, perp = rx * dj[0] + ry * dj[1], rx * nj[0] + ry * nj[1]
            v = rng.uniform(0, 1) + WIDTH * perp**2 + TAPER * np.clip(np.abs(along) / half, 0, 1.5) ** 6
            v = np.where((np.abs(perp) < 1.8) & (np.abs(along) < half + 1), v, EMPTY)
            ys, xs = (oy + ci[1]).astype(int) % TILE, (ox + ci[0]).astype(int) % TILE
            np.minimum.at(t, (ys, xs), v)
            s += 2 * half + rng.uniform(*GAP)
    return t + GRAIN * rng.uniform(0, 1, t.shape)


def tiles():
    """The three stroke tiles, float32 [3, TILE, TILE] (deterministic)."""
    rng = np.random.default_rng(2001)
    return np.stack([_tile(d, k, rng) for d, k in zip(DIRECTIONS, LINES)]).astype(np.float32)


def weights(angle):
    """Orientation weights [..., 3] for stroke angles in degrees (mod 180): the two nearest tile
    directions share it, sharpened so that most pixels use one direction."""
    diff = np.abs((np.asarray(angle)[..., None] - np.array(ANGLES)) + 90) % 180 - 90
    w = np.clip(1 - np.abs(diff) / 60, 0, 1) ** 2
    return w / w.sum(-1, keepdims=True)


def ink(density, tile_values):
    """Stroke darkness (0 = none .. 1 = a full stroke) from per-direction densities [..., 3] and the
    tiles sampled at the same pixels [..., 3]. Crossing strokes do not add up (a max: graphite on
    graphite darkens little, and the student's version of a max is cheaper than a sum)."""
    return np.clip(GAIN * (density - tile_values).max(-1), 0, 1)
