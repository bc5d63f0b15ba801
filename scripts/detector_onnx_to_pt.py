"""Recover a trainable plate_detector checkpoint from the shipped float ONNX file (its .ckpt is not kept).

The model is rebuilt from the sidecar (``create_model(meta["model"], **meta["model_args"])``) and the ONNX
weights are loaded into it. Parameters the exporter left as named initializers (BiFPN fusion weights
``...w``, depthwise convs not followed by a BatchNorm, head ``cls`` / ``reg`` convs, head ``scales``) are
copied by name. Every other conv is matched by order: the ONNX Conv nodes in graph order against the torch
Conv2d *calls* in forward-execution order (forward hooks; the head's shared convs are called once per
level), shapes checked one by one. Constant folding fused each BatchNorm into the conv before it: the conv
gets the folded kernel, its BatchNorm becomes identity-like (weight 1, running mean 0, running var 1 - eps,
bias = folded bias). The head's pointwise convs are shared over levels but have one BatchNorm per level,
so the graph holds one folded kernel per level, K_l = diag(a_l) W: W is set to level 0's kernel and each
level's BatchNorm weight to the per-output-channel ratio a_l (checked to reproduce every K_l).

So that training-mode BatchNorm (batch statistics) starts from the same function, each BatchNorm is then
re-parametrised from the statistics of its input on 64 real letterboxed scenes (32 CCPD, 32 openlpr
train): running mean/var = those statistics, weight = a * std, bias = folded bias + a * mean (the
eval-mode function is unchanged). The result is checked against onnxruntime on 4 real letterboxed
scenes (max |onnx - torch| must be < 1e-3) and saved with ``save_checkpoint`` (name + args + state_dict,
plus the sidecar's score_threshold / nms_iou), which is what ``load_checkpoint``, ``platekit eval
detector`` and ``init_from`` in the detector training config read.

    python scripts/detector_onnx_to_pt.py src/platekit/weights/detector.onnx runs/det/detector_v2.ckpt

Both output contracts: a "raw" graph (``output.decode == "numpy"``, since session 10) is compared through
``forward_raw``, and its stem kernel, which the exporter divided by the input std (``input_std_folded``), is
multiplied back.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
CCPD = os.path.join(DATA, "ccpd2019_base")
OPENLPR = os.path.join(DATA, "openlpr_detection", "train")


def scenes(folder: str, n: int, size: tuple[int, int], skip: int = 0) -> np.ndarray:
    """The first n images (sorted names, after ``skip``) of a folder, letterboxed as the ONNX reader does."""
    from platekit.core.image import load_image
    from platekit.inference.detector import letterbox

    names = sorted(f for f in os.listdir(folder) if f.lower().endswith((".jpg", ".jpeg", ".png")))[skip : skip + n]
    assert len(names) == n, f"{folder}: {len(names)} images, need {n}"
    return np.stack([letterbox(load_image(os.path.join(folder, f)), size)[0] for f in names])


def onnx_tensors(g: onnx.GraphProto) -> dict[str, np.ndarray]:
    vals = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for node in g.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    vals[node.output[0]] = numpy_helper.to_array(a.t)
    return vals


def conv_calls(model: nn.Module, x: torch.Tensor) -> list[tuple[nn.Conv2d, nn.BatchNorm2d | None]]:
    """Torch Conv2d calls in execution order, each with the BatchNorm that consumes its output (or None)."""
    calls: list[list] = []
    out_ids: dict[int, int] = {}
    alive: list[torch.Tensor] = []  # keep conv outputs alive so that their ids stay unique

    def on_conv(m, i, o):
        out_ids[id(o)] = len(calls)
        alive.append(o)
        calls.append([m, None])

    def on_bn(m, i, o):
        k = out_ids.get(id(i[0]))
        if k is not None:
            calls[k][1] = m

    hooks = [m.register_forward_hook(on_conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(on_bn) for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return [(c, b) for c, b in calls]


def load_onnx_weights(model: nn.Module, onnx_path: str, size: tuple[int, int]) -> None:
    g = onnx.load(onnx_path).graph
    vals = onnx_tensors(g)
    state = model.state_dict(keep_vars=True)
    done: set[str] = set()
    names = {id(t): k for k, t in state.items()}

    def put(t: torch.Tensor, v: np.ndarray) -> None:
        v = torch.from_numpy(np.array(v, copy=True)).to(t.dtype)
        assert t.shape == v.shape, (names[id(t)], tuple(t.shape), tuple(v.shape))
        t.data.copy_(v)
        done.add(names[id(t)])

    # 1. named initializers (exported under their torch name, prefixed by the export wrapper's "model.")
    for init in g.initializer:
        if init.name.startswith("model.") and init.name[len("model.") :] in state:
            put(state[init.name[len("model.") :]], vals[init.name])

    # 2. convs by order; folded BatchNorms
    convs = [n for n in g.node if n.op_type == "Conv"]
    calls = conv_calls(model, torch.full((1, *size, 3), 114, dtype=torch.uint8))
    assert len(convs) == len(calls), f"{len(convs)} ONNX Conv nodes vs {len(calls)} torch conv calls"
    folded: dict[nn.Conv2d, list[tuple[nn.BatchNorm2d, np.ndarray, np.ndarray]]] = {}
    for node, (conv, bn) in zip(convs, calls, strict=True):
        w = vals[node.input[1]]
        b = vals[node.input[2]] if len(node.input) > 2 and node.input[2] else None
        assert w.shape == tuple(conv.weight.shape), (node.name, w.shape, tuple(conv.weight.shape))
        groups = next((a.i for a in node.attribute if a.name == "group"), 1)
        assert groups == conv.groups, (node.name, groups, conv.groups)
        if bn is None:  # unfolded: must be the conv's own weights (shared convs: the same at every call)
            put(conv.weight, w)
            if conv.bias is not None:
                put(conv.bias, b)
            else:
                assert b is None or not np.any(b), node.name
        else:
            assert conv.bias is None and b is not None, node.name
            folded.setdefault(conv, []).append((bn, w, b))

    for conv, uses in folded.items():
        k0 = uses[0][1].reshape(len(uses[0][1]), -1).astype(np.float64)
        put(conv.weight, uses[0][1])
        for bn, w, b in uses:
            k = w.reshape(len(w), -1).astype(np.float64)
            a = (k * k0).sum(1) / np.maximum((k0 * k0).sum(1), 1e-30)  # K_l = diag(a) K_0 (a = 1 unless shared)
            rel = np.abs(a[:, None] * k0 - k).max() / max(np.abs(k).max(), 1e-12)
            assert rel < 1e-5, f"{names[id(bn.weight)]}: folded kernel not a per-channel rescale (rel err {rel:.1e})"
            put(bn.weight, a.astype(np.float32))
            put(bn.bias, b)
            put(bn.running_mean, np.zeros(len(b), np.float32))
            put(bn.running_var, np.full(len(b), 1.0 - bn.eps, np.float32))

    # 3. everything (but BN step counters) must have come from the ONNX file
    missing = [k for k in state if k not in done and not k.endswith("num_batches_tracked")]
    assert not missing, f"not recovered from the ONNX file: {missing}"
    n_shared = sum(len(u) > 1 for u in folded.values())
    print(f"recovered {len(done)} tensors: {len(convs)} conv calls, {len(folded)} folded convs "
          f"({n_shared} shared over levels), {sum(len(u) for u in folded.values())} BatchNorms")


def reparametrise_bns(model: nn.Module, batch: torch.Tensor, chunk: int = 16) -> None:
    """BN(x) = a x + b (eval) -> running stats = batch statistics of x, same eval-mode function."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    acc: dict[nn.Module, list] = {bn: [0, 0.0, 0.0] for bn in bns}

    def on_bn(m, i, o):
        x = i[0].double()
        s = acc[m]
        s[0] += x.numel() // x.shape[1]
        s[1] = s[1] + x.sum((0, 2, 3))
        s[2] = s[2] + (x * x).sum((0, 2, 3))

    hooks = [bn.register_forward_hook(on_bn) for bn in bns]
    with torch.no_grad():
        for i in range(0, len(batch), chunk):
            model(batch[i : i + chunk])
    for h in hooks:
        h.remove()
    with torch.no_grad():
        for bn in bns:
            n, s1, s2 = acc[bn]
            assert n, "a BatchNorm was not called"
            mu = s1 / n
            var = (s2 / n - mu * mu).clamp_min(0)
            a = bn.weight.double() / (bn.running_var.double() + bn.eps).sqrt()  # current: a (x - m) + bias
            b = bn.bias.double() - a * bn.running_mean.double()
            bn.running_mean.copy_(mu)
            bn.running_var.copy_(var)
            bn.weight.copy_(a * (var + bn.eps).sqrt())
            bn.bias.copy_(b + a * mu)


def convert(onnx_path: str, out: str) -> None:
    import onnxruntime as ort

    from platekit.export.detector import _Export
    from platekit.models.registry import create_model, save_checkpoint

    torch.set_num_threads(1)
    meta = json.load(open(onnx_path[: -len(".onnx")] + ".json", encoding="utf-8"))
    model = create_model(meta["model"], **meta["model_args"]).eval()
    size = tuple(int(v) for v in meta["input_size"])
    assert tuple(model.input_size) == size, (model.input_size, size)
    load_onnx_weights(model, onnx_path, size)
    raw = isinstance(meta.get("output"), dict) and meta["output"].get("decode") == "numpy"  # a "raw" graph (export since session 10)
    if meta.get("input_std_folded"):  # the exporter divided the stem kernel by the input std: undo it
        with torch.no_grad():
            model.backbone.stem[0].weight.mul_(model.std.view(1, -1, 1, 1))

    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    x = np.concatenate([scenes(CCPD, 2, size, skip=100), scenes(OPENLPR, 2, size, skip=100)])

    def check(what: str) -> float:
        ref = sess.run(None, {sess.get_inputs()[0].name: x})[0]
        with torch.no_grad():
            got = (model.forward_raw(torch.from_numpy(x)) if raw else _Export(model).eval()(torch.from_numpy(x))).numpy()
        assert ref.shape == got.shape, (ref.shape, got.shape)
        err = float(np.abs(ref - got).max())
        print(f"{what}: max |onnx - torch| = {err:.2e} over {ref.shape} (scores {np.abs((ref[:, 0] - got[:, 0]) if raw else (ref[..., 0] - got[..., 0])).max():.2e})")
        assert err < 1e-3
        return err

    check("folded weights")
    batch = torch.from_numpy(np.concatenate([scenes(CCPD, 32, size), scenes(OPENLPR, 32, size)]))
    reparametrise_bns(model, batch)
    err = check("re-parametrised BatchNorms")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    save_checkpoint(out, model, kind="detector", input_size=list(size), score_threshold=meta["score_threshold"],
                    nms_iou=meta["nms_iou"], metrics=meta.get("metrics", {}), source=onnx_path, onnx_max_diff=err)
    print(f"wrote {out}")


if __name__ == "__main__":
    convert(sys.argv[1], sys.argv[2])
