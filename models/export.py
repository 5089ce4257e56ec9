"""Export a checkpoint to the ONNX contract (see README.md), and write the golden reference the
TypeScript contract test compares onnxruntime-node against.

    python3 models/export.py models/runs/<run>/model.pt   # -> models/sketch.onnx, sketch.pt, golden
"""

import hashlib
import json
import os
import shutil
import sys

import numpy as np
import onnx
import torch

from net import STRIDE, Exported, SketchNet
from teacher import STYLES

VERSION = "4.0.0"  # 4: hatching through the teacher's stroke tiles (hatch.py), scene-attached targets; 3: teacher v3 (paper-white tone, FDoG contours), tone/texture/line loss terms; 2: teacher v2
HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "test", "models", "golden.json")
GOLDEN_INT8 = os.path.join(HERE, "..", "test", "models", "golden-int8.json")


def export(net, path, version=VERSION):
    net = Exported(net.eval())
    h, w = 64, 96  # any multiple of the stride; non-square so H and W cannot be confused
    args = (torch.zeros(1, h, w, 3, dtype=torch.uint8), torch.full((1, h, w, 1), 255, dtype=torch.uint8),
            torch.zeros(1, h, w, 1, dtype=torch.uint8), torch.tensor([[1.0, 0, 0]]), torch.tensor([[0.5]]))
    names = ["frame", "prev", "mask", "style", "detail"]
    dyn = {n: {0: "N", 1: "H", 2: "W"} for n in ["frame", "prev", "mask", "sketch"]}
    dyn.update({"style": {0: "N"}, "detail": {0: "N"}})
    torch.onnx.export(net, args, path, input_names=names, output_names=["sketch"], dynamic_axes=dyn,
                      opset_version=17, do_constant_folding=True)
    m = onnx.load(path)
    for k, v in {"stride": str(STRIDE), "styles": ",".join(STYLES), "version": version}.items():
        m.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def load(ckpt_path):
    ckpt = torch.load(ckpt_path, map_location="cpu")
    net = SketchNet(tuple(ckpt["widths"]))
    net.load_state_dict(ckpt["model"])
    return net


def synthetic_frame(h, w, seed):
    """The deterministic frame of test/models/sketch-onnx.test.ts (same integer formula)."""
    y, x = np.mgrid[0:h, 0:w]
    disc = (x - w * 0.4) ** 2 + (y - h * 0.5) ** 2 < (h * 0.3) ** 2
    bar = (x > w * 0.7) & (x < w * 0.8)
    base = 90 + (x * 97 + y * 31 + seed * 53) % 120
    chans = [np.where(disc, 30 + c * 10, np.where(bar, 240, np.minimum(255, base + c * 5))) for c in range(3)]
    return np.stack(chans, -1).astype(np.uint8)


def write_golden(exported, onnx_path, path=GOLDEN, h=64, w=96, seed=7):
    """PyTorch's output (an Exported model) on the test frame as 8x8 block means, tied to the ONNX
    file's hash."""
    frame = torch.from_numpy(synthetic_frame(h, w, seed))[None]
    with torch.no_grad():
        out = exported(frame, torch.full((1, h, w, 1), 255, dtype=torch.uint8),
                            torch.zeros(1, h, w, 1, dtype=torch.uint8), torch.tensor([[1.0, 0, 0]]),
                            torch.tensor([[0.5]]))[0, :, :, 0].numpy().astype(np.float64)
    means = out.reshape(h // 8, 8, w // 8, 8).mean((1, 3)).ravel()
    with open(onnx_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    with open(path, "w") as f:
        json.dump({"sha256": sha, "h": h, "w": w, "seed": seed, "blockMeans": [round(float(m), 3) for m in means]}, f)
        f.write("\n")


if __name__ == "__main__":
    ckpt = sys.argv[1]
    net = load(ckpt)
    onnx_path = os.path.join(HERE, "sketch.onnx")
    export(net, onnx_path)
    if os.path.abspath(ckpt) != os.path.join(HERE, "sketch.pt"):
        shutil.copy(ckpt, os.path.join(HERE, "sketch.pt"))
    write_golden(Exported(net), onnx_path)
    print(f"wrote {os.path.relpath(onnx_path)}, sketch.pt and the test golden")
