"""Contact sheet and tone statistics of the teacher on the validation photos.

    python3 models/teacher_sheet.py     # writes models/teacher_sheet.jpg, prints the numbers

Columns: input | pencil | ink | charcoal | colored pencil | pencil detail 0 | pencil detail 1.
Numbers, per style over all validation photos (480 px long side, detail 0.5): median share of
near-white pixels (>= 230) and of mid-gray ones (60..200), and the median time per render.
"""

import os
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import guards  # noqa: E402
import teacher  # noqa: E402

CELL = 264  # width of one cell in the sheet
# rows shown (the numbers cover all validation photos): Dune is the low-contrast one, Storm and fruits the dark ones
ROWS = ("astronaut", "chelsea", "building", "Dune", "Storm", "fruits")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "teacher_sheet.jpg")


def main():
    photos = data.photos("val", 480)
    stats = {s: [] for s in teacher.STYLES}
    rows = []
    for e, img in photos:
        cells = [img]
        for s in teacher.STYLES:
            t0 = time.perf_counter()
            g = teacher.render(img, s)
            stats[s].append((*(100 * v for v in guards.tone_shares(g)), time.perf_counter() - t0))
            cells.append(g)
        if not any(os.path.basename(e["file"]).startswith(r) for r in ROWS):
            continue
        cells.append(teacher.colorize(cells[1], img))
        cells += [teacher.render(img, "pencil", 0.0), teacher.render(img, "pencil", 1.0)]
        h, w = img.shape[:2]
        cells = [cv2.resize(c if c.ndim == 3 else np.dstack([c] * 3), (CELL, round(h * CELL / w)),
                            interpolation=cv2.INTER_AREA) for c in cells]
        rows.append(np.concatenate(cells, 1))
    sheet = np.concatenate(rows, 0)
    cv2.imwrite(OUT, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 62])
    print(f"wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT) // 1024} KB): "
          "input | pencil | ink | charcoal | colored pencil | pencil detail 0 | pencil detail 1")
    for s, v in stats.items():
        v = np.array(v)
        print(f"{s:9s} near-white {np.median(v[:, 0]):5.1f} %  mid-gray {np.median(v[:, 1]):5.1f} %  "
              f"{1000 * np.median(v[:, 2]):4.0f} ms/render  (per photo near-white "
              + " ".join(f"{x:.0f}" for x in v[:, 0]) + ")")


if __name__ == "__main__":
    main()
