"""Post-training int8 quantization of the exported model, for CPUs (QDQ format).

    python3 models/quantize.py   # models/sketch.pt + sketch.onnx -> sketch-int8.onnx (+ .qparams.json, test golden)
    python3 models/quantize.py --smoke OUT.onnx

Why: on the 2-core target the float convolutions were ~60% of the net's time; onnxruntime fuses
DequantizeLinear -> Conv -> QuantizeLinear into QLinearConv (u8 activations, s8 weights; VNNI where
the CPU has it). Every convolution is quantized: weights per output channel (symmetric int8), bias
int32, activations per tensor (u8, ranges from calibration on synthetic clips over the *training*
photos, unrolled with the net's own warped previous output as at run time). A tensor is quantized
once, where it is produced (after its ReLU when one follows, so the ReLU folds into the range), and
the stems read the uint8 inputs directly (scale 1), which also drops two float casts. Element-wise
ops (FiLM, skip adds, resize, the hatching, the output blend) and the 1x1 heads stay float.

`FakeQuant` applies the same rounding in PyTorch so evaluate.py can measure the int8 model
(`--int8`); onnxruntime's integer kernels agree with it to within rounding of the requantization.
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper, numpy_helper

import data
import temporal
import video
from export import GOLDEN_INT8, load, write_golden
from net import Exported

HERE = os.path.dirname(os.path.abspath(__file__))
# Conv modules whose output goes straight into a ReLU (net.py forward): quantized after it.
RELU_AFTER = {"stem", "down1.0", "down1.1", "down2.0", "down2.2", "up1.1"}
# Conv modules whose input is the quantized output of the previous conv (that tensor's range).
INPUT_FROM = {"down1.0": "stem", "down1.1": "down1.0", "down2.0": "down1.1", "down2.1": "down2.0",
              "up1.0": "down2.2", "up0.0": "up1.1"}
U8_INPUTS = {"stem_rgb", "stem_pm"}  # raw 0..255 model inputs: scale 1, zero point 0
# Left in float: the 1x1 heads (cheap). up0.1, the last 3x3 (its output feeds the heads at 1/4
# resolution), was float too while it showed as flicker (teacher-v1 model, 8-bit weights: flicker
# 0.44x the teacher's with it float, 0.53x int8). On model 3.0.0 with 7-bit weights it costs
# nothing measurable in int8 (evaluate.py --int8: flicker 0.267x vs 0.260x, warp error 0.333x vs
# 0.331x, the drawing guards equal) and saves 17 % of the net (8.8 -> 7.3 ms at 640x368, 1 thread).
FLOAT = {"head_fresh", "head_alpha", "head_hatch"}


def convs(exported):
    """name -> Conv2d of an Exported model, names as in the ONNX graph (/net/<name>/Conv)."""
    return {n: m for n, m in exported.net.named_modules() if isinstance(m, nn.Conv2d)}


def u8_params(lo, hi):
    lo, hi = min(float(lo), 0.0), max(float(hi), 1e-6)
    scale = (hi - lo) / 255
    return scale, int(np.clip(round(-lo / scale), 0, 255))


@torch.no_grad()
def calibrate(exported, clips, percentile=99.99):
    """Per conv: (lo, hi) of its input and of its (post-ReLU where one follows) output over the
    calibration frames. Percentiles of each frame's values, max over frames, so a few outliers
    don't waste the 8 bits."""
    stats = {}

    def record(key, t):
        v = t.detach().flatten().float()
        v = v[:: max(1, v.numel() // 50000)]  # an even subsample: quantile on whole tensors is slow
        lo, hi = (float(x) for x in torch.quantile(v, torch.tensor([1 - percentile / 100, percentile / 100])))
        a, b = stats.get(key, (lo, hi))
        stats[key] = (min(a, lo), max(b, hi))

    hooks = []
    for name, m in convs(exported).items():
        hooks.append(m.register_forward_pre_hook(lambda m, i, n=name: record((n, "in"), i[0])))
        hooks.append(m.register_forward_hook(
            lambda m, i, o, n=name: record((n, "out"), F.relu(o) if n in RELU_AFTER else o)))
    for frames, style in clips:
        unroll(exported, frames, style)
    for h in hooks:
        h.remove()
    return qparams(stats)


def qparams(stats):
    """(scale, zero point) per conv input and output, following INPUT_FROM and U8_INPUTS."""
    q = {}
    names = {n for n, _ in stats if n not in FLOAT}
    for name in names:
        q[(name, "out")] = u8_params(*stats[(name, "out")])
    for name in names:
        if name in U8_INPUTS:
            q[(name, "in")] = (1.0, 0)
        elif INPUT_FROM.get(name) in names:
            q[(name, "in")] = q[(INPUT_FROM[name], "out")]
        else:
            q[(name, "in")] = u8_params(*stats[(name, "in")])
    return q


@torch.no_grad()
def unroll(exported, frames, style):
    """Runs the net over a clip as the runtime does (own previous output, runtime warp + mask, hold);
    returns the last drawing."""
    tw, out = temporal.TemporalWarp(), None
    h, w = frames[0].shape[:2]
    t = lambda a, c: torch.from_numpy(np.ascontiguousarray(a)).view(1, h, w, c)
    for f in frames:
        prev, mask = tw.next(f, out)
        out = tw.hold(exported(t(f, 3), t(prev, 1), t(mask, 1), torch.eye(3)[style:style + 1],
                               torch.tensor([[0.5]]))[0, :, :, 0].numpy())
    return out


# Weights use 7 of the 8 bits (onnxruntime's "reduce_range"): on x86 CPUs without VNNI, onnxruntime
# multiplies u8 activations by s8 weights with VPMADDUBSW, which adds pairs of products into int16
# and saturates beyond 32767 (255 * 127 * 2 can reach 64770). With full-range weights the second
# trained model's int8 output drifted up to 6.6 levels from its emulation on the test frame.
W_MAX = 63


def weight_q(w):
    """Per output channel symmetric 7-bit: (int8 weights in -63..63, scales)."""
    s = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(1), 1e-12) / W_MAX
    return np.clip(np.round(w / s.reshape(-1, *[1] * (w.ndim - 1))), -W_MAX, W_MAX).astype(np.int8), s.astype(np.float32)


def fake(x, scale, zp):
    return (torch.clamp(torch.round(x / scale) + zp, 0, 255) - zp) * scale


class FakeQuant:
    """`with FakeQuant(exported, q):` runs the PyTorch model with the int8 model's rounding."""

    def __init__(self, exported, q):
        self.mods = {n: m for n, m in convs(exported).items() if (n, "in") in q}
        self.q, self.hooks, self.saved = q, [], {}

    def __enter__(self):
        for name, m in self.mods.items():
            sx, _ = self.q[(name, "in")]
            wq, sw = weight_q(m.weight.detach().numpy())
            self.saved[name] = (m.weight.data.clone(), None if m.bias is None else m.bias.data.clone())
            m.weight.data = torch.from_numpy(wq.astype(np.float32) * sw.reshape(-1, 1, 1, 1))
            if m.bias is not None:
                bs = torch.from_numpy(sx * sw)
                m.bias.data = torch.round(m.bias.data / bs) * bs
            self.hooks.append(m.register_forward_pre_hook(
                lambda m, i, n=name: (fake(i[0], *self.q[(n, "in")]),)))
            self.hooks.append(m.register_forward_hook(
                lambda m, i, o, n=name: fake(F.relu(o) if n in RELU_AFTER else o, *self.q[(n, "out")])))
        return self

    def __exit__(self, *exc):
        for h in self.hooks:
            h.remove()
        for name, (w, b) in self.saved.items():
            self.mods[name].weight.data = w
            if b is not None:
                self.mods[name].bias.data = b


class Graph:
    """Small editing helpers over an ONNX graph."""

    def __init__(self, model):
        self.m, self.g = model, model.graph
        self.inits = {i.name: i for i in self.g.initializer}
        self.nodes = list(self.g.node)

    def const(self, name, arr):
        t = numpy_helper.from_array(arr, name)
        self.g.initializer.append(t)
        self.inits[name] = t
        return name

    def add(self, op, inputs, output, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def consumers(self, tensor):
        return [n for n in self.nodes if tensor in n.input]

    def producer(self, tensor):
        return next(n for n in self.nodes if tensor in n.output)

    def qdq(self, x, scale, zp, tag):
        s = self.const(f"{tag}_scale", np.array(scale, np.float32))
        z = self.const(f"{tag}_zero", np.array(zp, np.uint8))
        return self.add("DequantizeLinear", [self.add("QuantizeLinear", [x, s, z], f"{tag}_q"), s, z], f"{tag}_dq")

    def save(self, path):
        self.g.ClearField("node")
        self.g.node.extend(topo_sort(self.nodes, {i.name for i in self.g.input} | set(self.inits)))
        live = {i for n in self.g.node for i in n.input}
        keep = [i for i in self.g.initializer if i.name in live]
        self.g.ClearField("initializer")
        self.g.initializer.extend(keep)
        onnx.checker.check_model(self.m)
        onnx.save(self.m, path)


def topo_sort(nodes, available):
    """Dependency order, without the nodes whose outputs nothing uses any more."""
    order, pending, have = [], list(nodes), set(available) | {""}
    while pending:
        ready = [n for n in pending if all(i in have for i in n.input)]
        if not ready:
            missing = {i for n in pending for i in n.input if i not in have}
            raise ValueError(f"graph has a cycle or a missing input: {sorted(missing)[:5]}")
        order += ready
        have.update(o for n in ready for o in n.output)
        pending = [n for n in pending if n not in ready]
    needed, live = {"sketch"}, []
    for n in reversed(order):
        if any(o in needed for o in n.output):
            needed.update(n.input)
            live.append(n)
    return live[::-1]


def u8_stem_input(g, x):
    """The stems' float input is Reshape(Cast(uint8 input)) (or a Concat of two): rebuild the same
    reshapes on the uint8 inputs and dequantize with scale 1."""
    def rebuild(t):
        n = g.producer(t)
        if n.op_type == "Reshape":
            cast = g.producer(n.input[0])
            assert cast.op_type == "Cast", cast.op_type
            return g.add("Reshape", [cast.input[0], n.input[1]], t + "_u8")
        assert n.op_type == "Concat", n.op_type
        return g.add("Concat", [rebuild(i) for i in n.input], t + "_u8", axis=n.attribute[0].i)

    one, zero = g.const(x + "_one", np.array(1.0, np.float32)), g.const(x + "_zp0", np.array(0, np.uint8))
    return g.add("DequantizeLinear", [rebuild(x), one, zero], x + "_dq")


def quantize_onnx(src, dst, q):
    g = Graph(onnx.load(src))
    done = {}  # float tensor -> its dequantized int8 copy
    for conv in [n for n in g.nodes if n.op_type == "Conv"]:
        name = conv.name.removeprefix("/net/").removesuffix("/Conv")
        if (name, "in") not in q:
            continue  # left in float
        x, w = conv.input[0], conv.input[1]
        if x not in done:
            done[x] = u8_stem_input(g, x) if name in U8_INPUTS else g.qdq(x, *q[(name, "in")], conv.name + "_in")
        conv.input[0] = done[x]
        sx = q[(name, "in")][0]
        wq, sw = weight_q(numpy_helper.to_array(g.inits[w]))
        conv.input[1] = g.add("DequantizeLinear", [g.const(w + "_i8", wq), g.const(w + "_s", sw),
                                                   g.const(w + "_z", np.zeros(len(sw), np.int8))], w + "_dq", axis=0)
        if len(conv.input) > 2:
            b = conv.input[2]
            bs = (sx * sw).astype(np.float32)
            bq = np.round(numpy_helper.to_array(g.inits[b]) / bs).astype(np.int32)
            conv.input[2] = g.add("DequantizeLinear", [g.const(b + "_i32", bq), g.const(b + "_s", bs),
                                                       g.const(b + "_z", np.zeros(len(bs), np.int32))], b + "_dq", axis=0)
        out = conv.output[0]
        if name in RELU_AFTER:
            (relu,) = g.consumers(out)
            assert relu.op_type == "Relu", (name, relu.op_type)
            out = relu.output[0]
        users = g.consumers(out)
        deq = g.qdq(out, *q[(name, "out")], conv.name + "_out")
        for u in users:
            u.input[:] = [deq if i == out else i for i in u.input]
        done[out] = deq
    g.save(dst)


def calibration_clips(rng, n, frames, h, w, split="train"):
    photos = [img for _, img in data.photos(split, 640)]
    return [(video.clip(rng, photos[i % len(photos)], photos[(i + 3) % len(photos)], frames, h, w,
                        speed=3.0, noise=0.6)["noisy"], i % 3) for i in range(n)]


def qparams_path(onnx_path):
    return os.path.splitext(onnx_path)[0] + ".qparams.json"


def save_qparams(q, onnx_path):
    with open(qparams_path(onnx_path), "w") as f:
        json.dump({f"{k[0]}:{k[1]}": v for k, v in sorted(q.items())}, f, indent=1)
        f.write("\n")


def load_qparams(onnx_path):
    with open(qparams_path(onnx_path)) as f:
        return {tuple(k.split(":")): tuple(v) for k, v in json.load(f).items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", default=os.path.join(HERE, "sketch.pt"))
    p.add_argument("--onnx", default=os.path.join(HERE, "sketch.onnx"))
    p.add_argument("--out", default=os.path.join(HERE, "sketch-int8.onnx"))
    p.add_argument("--clips", type=int, default=12)
    p.add_argument("--frames", type=int, default=6)
    p.add_argument("--smoke", metavar="OUT")
    a = p.parse_args()
    torch.set_num_threads(2)
    rng = np.random.default_rng(7)
    if a.smoke:
        from export import export
        from net import SketchNet
        torch.manual_seed(0)
        net, a.out, a.onnx = SketchNet(), a.smoke, a.smoke + ".float.onnx"
        export(net, a.onnx)
        clips = [([data.procedural(i, 64, 96)] * 2, i % 3) for i in range(2)]
    else:
        net = load(a.ckpt)
        clips = calibration_clips(rng, a.clips, a.frames, 272, 480)
    exported = Exported(net.eval())
    q = calibrate(exported, clips)
    save_qparams(q, a.out)
    quantize_onnx(a.onnx, a.out, q)
    if a.smoke:
        # The emulated int8 model draws what the float one draws, give or take the rounding.
        frames, style = clips[0]
        ref = unroll(exported, frames, style)
        with FakeQuant(exported, q):
            got = unroll(exported, frames, style)
        diff = np.abs(ref.astype(np.float32) - got).mean()
        assert diff < 3, f"int8 emulation is off by {diff:.2f} levels on average"
        print(f"smoke ok (int8 vs float: {diff:.2f} levels)")
    elif os.path.abspath(a.out) == os.path.join(HERE, "sketch-int8.onnx"):
        # The test golden belongs to the committed file; a model quantized elsewhere (an experiment)
        # must not overwrite it.
        with FakeQuant(exported, q):
            write_golden(exported, a.out, GOLDEN_INT8)
    print(f"wrote {os.path.relpath(a.out)} ({os.path.getsize(a.out) // 1024} KB)")


if __name__ == "__main__":
    sys.exit(main())
