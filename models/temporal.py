"""Python reference of the runtime temporal inputs (README.md, "Runtime temporal inputs").

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


def runtime_mask(g_prev, g_cur, flow):
    """Spec steps 3-5 without the sketch: (fixed-point remap maps, mask uint8, fraction of
    mask >= 128). On a scene cut (fraction < 0.3) the mask is all 0."""
    h, w = g_cur.shape
    grid = np.dstack(np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)))
    m = grid + flow.astype(np.float32)
    maps = cv2.convertMaps(m, None, cv2.CV_16SC2)
    gw = cv2.remap(g_prev, *maps, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    d = cv2.blur(cv2.absdiff(g_cur, gw), (5, 5))
    mask = np.clip(383 - 16 * d.astype(np.int32), 0, 255).astype(np.uint8)  # 255 - 16 (d - 8)
    inside = (m[..., 0] >= 0) & (m[..., 0] <= w - 1) & (m[..., 1] >= 0) & (m[..., 1] <= h - 1)
    mask[~inside] = 0
    fraction = float((mask >= 128).mean())
    if fraction < SCENE_CUT_FRACTION:
        mask[:] = 0
    return maps, mask, fraction


def warp_and_mask(prev_sketch, g_prev, g_cur, flow):
    """Spec steps 3-5: (prev uint8 [H,W], mask uint8 [H,W]); a scene cut gives prev 255, mask 0."""
    maps, mask, fraction = runtime_mask(g_prev, g_cur, flow)
    if fraction < SCENE_CUT_FRACTION:
        return np.full_like(prev_sketch, 255), mask
    prev = cv2.remap(prev_sketch, *maps, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return prev, mask


class TemporalWarp:
    """Per-stream state, like the addon: feed each RGB frame and the previous output sketch."""

    def __init__(self, preset=ULTRAFAST):
        self.preset = preset
        self.g_prev = None

    def next(self, rgb, prev_sketch):
        g = gray(rgb)
        h, w = g.shape
        prev, mask = np.full((h, w), 255, np.uint8), np.zeros((h, w), np.uint8)
        if self.g_prev is not None and prev_sketch is not None:
            flow = dis_flow(g, self.g_prev, self.preset)
            prev, mask = warp_and_mask(prev_sketch, self.g_prev, g, flow)
        self.g_prev = g
        return prev, mask
