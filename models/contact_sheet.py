"""The student's contact sheet: every style on the validation photos, and a strip of a real moving
clip drawn with temporal on.

    python3 models/contact_sheet.py                  # models/sketch.pt -> models/contact_sheet.png
    python3 models/contact_sheet.py --ckpt X --out Y

Rows: portrait, animal, architecture, landscape (Dune: foggy, low contrast), a dark photo (Storm),
objects. Columns: input | teacher (pencil) | student pencil | ink | charcoal | colored pencil (the
student's pencil coloured by the photo, teacher.colorize, as the engine composes it), each at detail
0.5 and without a previous frame. Last row: frames 10, 20, 30, 40 of vtest.avi (people walking) through
the runtime spec (DIS flow, warp, mask, hold), pencil, temporal on.
"""

import argparse
import os

import cv2
import numpy as np
import torch

import data
import teacher
import temporal
from evaluate import Student, crop16, real_clip
from export import load

CELL = 256
ROWS = ("astronaut", "chelsea", "leuvenA", "Dune", "Storm", "fruits")
LABEL = "input | teacher (pencil) | student pencil | student ink | student charcoal | colored pencil"


def cell(img):
    img = img if img.ndim == 3 else np.dstack([img] * 3)
    h, w = img.shape[:2]
    return cv2.resize(img, (CELL, round(h * CELL / w)), interpolation=cv2.INTER_AREA)


def photo_rows(student):
    photos = {os.path.basename(e["file"]).split(".")[0]: crop16(img) for e, img in data.photos("val", 640)}
    rows = []
    for name in ROWS:
        img = photos[name]
        h, w = img.shape[:2]
        blank, none = np.full((h, w), 255, np.uint8), np.zeros((h, w), np.uint8)
        drawn = [student(img, blank, none, s) for s in range(3)]
        cells = [img, teacher.render(img, 0, 0.5), *drawn, teacher.colorize(drawn[0], img)]
        rows.append(np.concatenate([cell(c) for c in cells], 1))
    return rows


def clip_strip(student, picks=(10, 20, 30, 40)):
    frames = real_clip(data.video_path("vtest.avi"), max(picks) + 1)
    tw, out = temporal.TemporalWarp(), []
    for f in frames:
        prev, mask = tw.next(f, out[-1] if out else None)
        out.append(tw.hold(student(f, prev, mask, 0)))
    cells = [cell(out[i]) for i in picks]
    return np.concatenate([cell(frames[picks[0]])] + cells, 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", default=os.path.join(data.HERE, "sketch.pt"))
    p.add_argument("--out", default=os.path.join(data.HERE, "contact_sheet.png"))
    a = p.parse_args()
    torch.set_num_threads(2)
    student = Student(load(a.ckpt).eval())
    rows = photo_rows(student)
    strip = clip_strip(student)
    width = max(r.shape[1] for r in rows + [strip])
    pad = lambda r: np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255)
    sheet = np.concatenate([pad(r) for r in rows] + [np.full((24, width, 3), 255, np.uint8), pad(strip)], 0)
    cv2.putText(sheet, LABEL, (8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (200, 0, 0), 1, cv2.LINE_AA)
    y = sum(r.shape[0] for r in rows) + 18
    cv2.putText(sheet, "vtest.avi frame 10 | pencil, temporal on: frames 10, 20, 30, 40", (8, y), cv2.FONT_HERSHEY_SIMPLEX,
                0.5, (200, 0, 0), 1, cv2.LINE_AA)
    cv2.imwrite(a.out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {os.path.relpath(a.out)} ({os.path.getsize(a.out) // 1024} KB): {LABEL}")


if __name__ == "__main__":
    main()
