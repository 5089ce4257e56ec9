"""Photos for training and validation, gathered from Debian packages (no downloads of datasets).

    python3 models/data.py          # apt-get download + dpkg -x into models/.cache, write manifest

Each photo's licence comes from its package's machine-readable copyright file (DEP-5). The split
is a fixed list, so it is the same on every machine; validation covers portraits, architecture,
landscape and objects.
"""

import fnmatch
import glob
import json
import os
import subprocess
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
MANIFEST = os.path.join(CACHE, "manifest.json")

# package -> (directory of the photos inside the package, its path in the upstream source tree)
PACKAGES = {
    "python3-skimage": ("usr/lib/python3/dist-packages/skimage/data", "skimage/data"),
    "opencv-doc": ("usr/share/doc/opencv-doc/examples/data", "samples/data"),
    "mate-backgrounds": ("usr/share/backgrounds/mate/nature", "nature"),
}

# (package, file, category, split). Chosen by eye: real photos only (no logos, charts, text pages),
# few near-duplicates (one pair of the chessboard calibration shots).
PHOTOS = [
    ("python3-skimage", "astronaut.png", "portrait", "val"),
    ("python3-skimage", "camera.png", "portrait", "train"),
    ("opencv-doc", "messi5.jpg", "portrait", "train"),
    ("python3-skimage", "chelsea.png", "animal", "val"),
    ("opencv-doc", "baboon.jpg", "animal", "train"),
    ("opencv-doc", "squirrel_cls.jpg", "animal", "train"),
    ("opencv-doc", "butterfly.jpg", "animal", "train"),
    ("python3-skimage", "horse.png", "animal", "train"),
    ("opencv-doc", "building.jpg", "architecture", "val"),
    ("opencv-doc", "leuvenA.jpg", "architecture", "val"),
    ("opencv-doc", "home.jpg", "architecture", "train"),
    ("opencv-doc", "aero1.jpg", "architecture", "train"),
    ("opencv-doc", "aero3.jpg", "architecture", "train"),
    ("opencv-doc", "graf1.png", "architecture", "train"),
    ("opencv-doc", "ela_original.jpg", "architecture", "train"),
    ("opencv-doc", "pca_test1.jpg", "objects", "train"),
    ("mate-backgrounds", "Dune.jpg", "landscape", "val"),
    ("mate-backgrounds", "Storm.jpg", "landscape", "val"),
    ("mate-backgrounds", "GreenMeadow.jpg", "landscape", "train"),
    ("mate-backgrounds", "Aqua.jpg", "landscape", "train"),
    ("mate-backgrounds", "Wood.jpg", "landscape", "train"),
    ("mate-backgrounds", "Garden.jpg", "landscape", "train"),
    ("mate-backgrounds", "Blinds.jpg", "objects", "train"),
    ("mate-backgrounds", "FreshFlower.jpg", "objects", "train"),
    ("mate-backgrounds", "LadyBird.jpg", "objects", "train"),
    ("mate-backgrounds", "RainDrops.jpg", "objects", "train"),
    ("mate-backgrounds", "TwoWings.jpg", "objects", "train"),
    ("mate-backgrounds", "YellowFlower.jpg", "objects", "train"),
    ("python3-skimage", "coffee.png", "objects", "val"),
    ("opencv-doc", "fruits.jpg", "objects", "val"),
    ("python3-skimage", "rocket.jpg", "objects", "train"),
    ("python3-skimage", "motorcycle_left.png", "objects", "train"),
    ("python3-skimage", "coins.png", "objects", "train"),
    ("python3-skimage", "ihc.png", "objects", "train"),
    ("opencv-doc", "apple.jpg", "objects", "train"),
    ("opencv-doc", "orange.jpg", "objects", "train"),
    ("opencv-doc", "stuff.jpg", "objects", "train"),
    ("opencv-doc", "board.jpg", "objects", "train"),
    ("opencv-doc", "smarties.png", "objects", "train"),
    ("opencv-doc", "basketball1.png", "objects", "train"),
    ("opencv-doc", "rubberwhale1.png", "objects", "train"),
    ("opencv-doc", "Blender_Suzanne1.jpg", "objects", "train"),
    ("opencv-doc", "aloeL.jpg", "objects", "train"),
    ("opencv-doc", "box_in_scene.png", "objects", "train"),
    ("opencv-doc", "left01.jpg", "objects", "train"),
    ("opencv-doc", "right01.jpg", "objects", "train"),
    ("opencv-doc", "licenseplate_motion.jpg", "objects", "train"),
]
VIDEOS = ["vtest.avi", "tree.avi"]  # real clips, validation only


def package_root(pkg):
    return os.path.join(CACHE, "pkg", pkg)


def fetch():
    """apt-get download + dpkg -x each package into the cache (nothing installed system-wide)."""
    debs = os.path.join(CACHE, "deb")
    os.makedirs(debs, exist_ok=True)
    for pkg in PACKAGES:
        if os.path.isdir(package_root(pkg)):
            continue
        if not glob.glob(os.path.join(debs, f"{pkg}_*.deb")):
            subprocess.run(["apt-get", "download", "-q", pkg], cwd=debs, check=True)
        deb = sorted(glob.glob(os.path.join(debs, f"{pkg}_*.deb")))[-1]
        os.makedirs(package_root(pkg))
        subprocess.run(["dpkg-deb", "-x", deb, package_root(pkg)], check=True)


def dep5_stanzas(text):
    """Stanzas of a DEP-5 copyright file as dicts (continuation lines joined)."""
    out = []
    for block in text.split("\n\n"):
        d, key = {}, None
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                d[key] += "\n" + line.strip()
            elif ":" in line:
                key, val = line.split(":", 1)
                d[key] = val.strip()
        if d:
            out.append(d)
    return out


def licence_of(pkg, upstream_path):
    """Copyright + License of the last matching Files stanza (DEP-5: the last match wins)."""
    copyright_file = os.path.join(package_root(pkg), "usr/share/doc", pkg, "copyright")
    with open(copyright_file, encoding="utf-8") as f:
        stanzas = dep5_stanzas(f.read())
    hit = None
    for s in stanzas:
        pats = s.get("Files", "").split()
        if any(fnmatch.fnmatch(upstream_path, p) for p in pats):
            hit = s
    if hit is None:
        return {"copyright": "?", "license": "?"}
    return {"copyright": " / ".join(hit.get("Copyright", "").splitlines()),
            "license": hit.get("License", "").splitlines()[0]}


def version_of(pkg):
    deb = sorted(glob.glob(os.path.join(CACHE, "deb", f"{pkg}_*.deb")))[-1]
    return os.path.basename(deb).split("_")[1]


def build_manifest():
    entries = []
    for pkg, name, category, split in PHOTOS:
        inner, upstream = PACKAGES[pkg]
        path = os.path.join(package_root(pkg), inner, name)
        img = cv2.imread(path)
        assert img is not None, path
        entries.append({"file": os.path.relpath(path, HERE), "package": pkg, "version": version_of(pkg),
                        "upstream_path": f"{upstream}/{name}", "category": category, "split": split,
                        "size": [img.shape[1], img.shape[0]], **licence_of(pkg, f"{upstream}/{name}")})
    for name in VIDEOS:
        inner, upstream = PACKAGES["opencv-doc"]
        path = os.path.join(package_root("opencv-doc"), inner, name)
        entries.append({"file": os.path.relpath(path, HERE), "package": "opencv-doc",
                        "version": version_of("opencv-doc"), "upstream_path": f"{upstream}/{name}",
                        "category": "video", "split": "val", **licence_of("opencv-doc", f"{upstream}/{name}")})
    with open(MANIFEST, "w") as f:
        json.dump(entries, f, indent=1)
    return entries


def manifest():
    with open(MANIFEST) as f:
        return json.load(f)


def load_rgb(entry, max_side=960):
    """RGB uint8 photo, downscaled (INTER_AREA) so its longer side is at most max_side."""
    img = cv2.cvtColor(cv2.imread(os.path.join(HERE, entry["file"])), cv2.COLOR_BGR2RGB)
    s = max_side / max(img.shape[:2])
    if s < 1:
        img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    return img


def photos(split, max_side=960):
    return [(e, load_rgb(e, max_side)) for e in manifest() if e["split"] == split and e["category"] != "video"]


def video_path(name):
    return os.path.join(HERE, next(e for e in manifest() if e["upstream_path"].endswith(name))["file"])


def procedural(seed, h=192, w=256):
    """A photo-like test image without any downloaded data (for --smoke runs): smooth shaded
    background, a few filled shapes with soft shading and outlines, mild texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32)
    img += rng.uniform(60, 200, 3) + (xx / w)[..., None] * rng.uniform(-60, 60, 3)
    for _ in range(6):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = rng.uniform(10, h / 3), rng.uniform(10, w / 3)
        inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1
        shade = 1 - 0.4 * np.clip((xx - cx) / rx + (yy - cy) / ry, -1, 1)[..., None]
        img[inside] = (rng.uniform(20, 235, 3) * shade)[inside]
    img += rng.normal(0, 4, (h, w, 1))
    return np.clip(cv2.GaussianBlur(img, (0, 0), 0.8), 0, 255).astype(np.uint8)


if __name__ == "__main__":
    fetch()
    entries = build_manifest()
    by = {}
    for e in entries:
        by.setdefault((e["split"], e["category"]), []).append(e["upstream_path"].rsplit("/", 1)[1])
    for k in sorted(by):
        print(k, len(by[k]), ", ".join(by[k]))
    print(f"wrote {os.path.relpath(MANIFEST, os.getcwd())}", file=sys.stderr)
