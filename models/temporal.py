"""Python reference of the runtime temporal inputs and the hold (README.md, "Runtime temporal inputs").

The server computes the same thing in a native addon (server/engine/flow/) with the same OpenCV
calls; this file is what evaluation and training use, so the model is measured and trained with
exactly the flow, warp and mask it will get at run time.
"""

import cv2
import numpy as np

MAX_FLOW_WIDTH = 640
SCENE_CUT_FRACTION = 0.3

ULTRAFAST = cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST
MEDIUM = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM


def gray(rgb):
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def dis_flow(g_cur, g_prev, preset=ULTRAFAST):
    """Backward flow (current pixel -> its position in the previous frame), spec step 2: frames
    wider than 640 px get flow on an integer-factor INTER_AREA downscale, scaled back up."""
    h, w = g_cur.shape
    f = (w + MAX_FLOW_WIDTH - 1) // MAX_FLOW_WIDTH
    dis = cv2.DISOpticalFlow_create(preset)
    if f == 1:
        return dis.calc(g_cur, g_prev, None)
    small = (w // f, h // f)
    fs = dis.calc(cv2.resize(g_cur, small, interpolation=cv2.INTER_AREA),
                  cv2.resize(g_prev, small, interpolation=cv2.INTER_AREA), None)
    return cv2.resize(fs, (w, h), interpolation=cv2.INTER_LINEAR) * f


# Spec step 4, zero motion: standing still is used where it explains the picture within this many
# levels of the flow's residual and the flow is at most this many px long, or longer but unlike the
# last frame's flow there (differs by more than half its own length: DIS's drift on a still, noisy
# flat area points somewhere new every frame; real motion keeps its direction from frame to frame).
ZERO_MOTION_BIAS = 2
ZERO_MOTION_MAX_FLOW = 1.0
# The mask is 255 up to this residual (5x5 mean |difference|) and falls by 16 a level above it.
# Webcam-like noise alone puts the residual of a still view at 7-9: at 8 a tenth of the pixels kept
# only ~94 % of their past each frame, and crisp strokes blinked through that leak.
MASK_FULL = 10


def runtime_mask(g_prev, g_cur, flow, last_flow=None):
    """Spec steps 3-5 without the sketch: (flow as used, fixed-point remap maps, mask uint8,
    fraction of mask >= 128). On a scene cut (fraction < 0.3) the mask is all 0. `last_flow`: the
    DIS flow of the frame before (as computed, before zero motion), None on a stream's first pair."""
    h, w = g_cur.shape
    grid = np.dstack(np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)))
    flow = flow.astype(np.float32)
    m = grid + flow
    gw = cv2.remap(g_prev, *cv2.convertMaps(m, None, cv2.CV_16SC2), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    d = cv2.blur(cv2.absdiff(g_cur, gw), (5, 5))
    inside = (m[..., 0] >= 0) & (m[..., 0] <= w - 1) & (m[..., 1] >= 0) & (m[..., 1] <= h - 1)
    # On still content DIS returns ~0.3 px of noise (several px in flat areas); warping the drawing
    # by it resamples it anew every frame, which is flicker.
    dz = cv2.blur(cv2.absdiff(g_cur, g_prev), (5, 5))
    length2 = (flow ** 2).sum(-1)
    short = length2 <= ZERO_MOTION_MAX_FLOW ** 2
    if last_flow is not None:
        short |= ((flow - last_flow) ** 2).sum(-1) > 0.25 * length2
    zero = (dz.astype(np.int32) <= d.astype(np.int32) + ZERO_MOTION_BIAS) & short
    flow = np.where(zero[..., None], np.float32(0), flow)
    m = grid + flow
    d = np.where(zero, dz, d)
    inside |= zero
    maps = cv2.convertMaps(m, None, cv2.CV_16SC2)
    mask = np.clip(255 - 16 * (d.astype(np.int32) - MASK_FULL), 0, 255).astype(np.uint8)
    mask[~inside] = 0
    fraction = float((mask >= 128).mean())
    if fraction < SCENE_CUT_FRACTION:
        mask[:] = 0
    return flow, maps, mask, fraction


def warp_and_mask(prev_sketch, g_prev, g_cur, flow, last_flow=None):
    """Spec steps 3-5: (prev uint8 [H,W], mask uint8 [H,W], unmoved bool [H,W]); a scene cut gives
    prev 255, mask 0 and nothing unmoved."""
    _, maps, mask, fraction = runtime_mask(g_prev, g_cur, flow, last_flow)
    if fraction < SCENE_CUT_FRACTION:
        return np.full_like(prev_sketch, 255), mask, np.zeros(mask.shape, bool)
    prev = cv2.remap(prev_sketch, *maps, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return sharpen(prev, maps[1]), mask, unmoved(maps)


def sharpen(warped, frac):
    """Spec step 3's sharpening: a bilinear weight pair (1 - f, f) blurs by f (1 - f) px^2, and a
    repeatedly warped drawing loses its strokes (30 half-pixel warps keep 1/5 of a stroke pattern's
    gradient, sharpened 1/2). Per axis, w + f (1 - f) / 2 * (2 w - left - right) cancels the blur
    to second order and never amplifies (|H|^2 = 1 - 3x^2 - 2x^3, x = f (1 - f) (1 - cos w)). f is
    the fixed-point map's 5-bit fraction, neighbours replicated at the border; f = 0: untouched."""
    f = frac.astype(np.int32)
    fx, fy = f & (cv2.INTER_TAB_SIZE - 1), f >> cv2.INTER_BITS
    w = warped.astype(np.int32)
    p = np.pad(w, 1, mode="edge")
    lx = 2 * w - p[1:-1, :-2] - p[1:-1, 2:]
    ly = 2 * w - p[:-2, 1:-1] - p[2:, 1:-1]
    k = cv2.INTER_TAB_SIZE
    return np.clip(w + ((fx * (k - fx) * lx + fy * (k - fy) * ly + 1024) >> 11), 0, 255).astype(np.uint8)


def unmoved(maps):
    """Where the fixed-point map is the identity: the previous drawing was copied, not resampled."""
    xy, frac = maps
    h, w = frac.shape
    return (xy[..., 0] == np.arange(w)) & (xy[..., 1] == np.arange(h)[:, None]) & (frac == 0)


# Spec step 6, the hold: at most this many levels at mask 255.
HOLD_LEVELS = 3


def hold(sketch, prev, mask, still):
    """Spec step 6, after the network: where the previous drawing was not resampled (`still`), the
    output is the value nearest `prev` within h = HOLD_LEVELS * mask // 255 levels of the network's
    drawing, so a change that small (sensor noise on a still view) keeps the past exactly."""
    h = np.where(still, HOLD_LEVELS * mask.astype(np.int32) // 255, 0)
    s = sketch.astype(np.int32)
    return np.clip(prev.astype(np.int32), s - h, s + h).astype(np.uint8)


class TemporalWarp:
    """Per-stream state, like the addon: feed each RGB frame and the previous output sketch, then
    hold() the network's drawing of that frame."""

    def __init__(self, preset=ULTRAFAST):
        self.preset = preset
        self.g_prev = None
        self.last = None  # (prev, mask, unmoved) of the last frame, for hold()
        self.last_flow = None  # DIS flow of the last pair (zero motion's consistency test)

    def next(self, rgb, prev_sketch):
        g = gray(rgb)
        h, w = g.shape
        prev, mask, still = np.full((h, w), 255, np.uint8), np.zeros((h, w), np.uint8), np.zeros((h, w), bool)
        flow = None
        if self.g_prev is not None:  # the flow also without a drawing: the next frame's zero motion uses it
            flow = dis_flow(g, self.g_prev, self.preset)
            if prev_sketch is not None:
                prev, mask, still = warp_and_mask(prev_sketch, self.g_prev, g, flow, self.last_flow)
        self.last_flow = flow
        self.g_prev = g
        self.last = prev, mask, still
        return prev, mask

    def hold(self, sketch):
        """Spec step 6 on the network's drawing of the frame given last to next()."""
        return hold(sketch, *self.last)


def write_spec_check(out_dir):
    """Frames and this file's outputs for test/models/temporal-spec.test.ts, which feeds the same
    frames to the native addon and expects the same bytes: procedural scenes, still and moving,
    with sensor noise, at full-resolution flow and at a width that is downscaled for the flow."""
    import json
    import os

    import data
    import video

    os.makedirs(out_dir, exist_ok=True)
    cases = []
    rng, jitter = np.random.default_rng(3), np.random.default_rng(4)
    for i, (h, w, static) in enumerate(((180, 320, True), (180, 320, False), (361, 1283, True), (361, 1283, False))):
        c = video.clip(rng, data.procedural(i, 720, 1600), None, 4, h, w, speed=2.0, static=static, noise=0.6)
        tw, sketch = TemporalWarp(), None
        for t, rgb in enumerate(c["noisy"]):
            prev, mask = tw.next(rgb, sketch)
            name = f"{i}-{t}"
            # The network's drawing, for the hold: the warped past, off by up to +-6 levels.
            drawn = np.clip(prev.astype(np.int32) + jitter.integers(-6, 7, prev.shape), 0, 255).astype(np.uint8)
            for part, arr in (("rgb", rgb), ("prev", prev), ("mask", mask), ("drawn", drawn), ("held", tw.hold(drawn))):
                arr.tofile(os.path.join(out_dir, f"{name}.{part}"))
            if sketch is not None:
                sketch.tofile(os.path.join(out_dir, f"{name}.sketch"))
            cases.append({"name": name, "width": w, "height": h, "first": t == 0, "sketch": sketch is not None})
            sketch = 255 - gray(c["clean"][t])  # any drawing will do; inverted so gray and sketch differ
            if i == 1 and t == 1:
                sketch = None  # a frame without a drawing mid-stream: its flow still counts for the next
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump(cases, f)


if __name__ == "__main__":
    import sys

    write_spec_check(sys.argv[1])
