"""Generic torch -> ONNX export for registered recognizers (uint8 NHWC in, softmax probs out).

The graph contains the model's own normalisation (``x.float() / 255``, mean/std), so onnxruntime
callers feed raw uint8 crops. A JSON sidecar next to the .onnx (same stem) carries everything the
numpy decoder needs: alphabet, pad, slots, decoder, crop margin and input size.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from platekit.core.formats import REGIONS

OPSET = 17


class ProbsHead(nn.Module):
    """Wrap a recognizer so the exported graph outputs softmax probabilities."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:  # uint8 [N, H, W, 3] -> [N, S, C]
        return torch.softmax(self.model(image).float(), dim=-1)


def export_onnx(
    module: nn.Module, dummy: torch.Tensor, out_path: str | os.PathLike, output: str, dynamic_hw: bool = False,
    anchor_axis: int = 1, check: bool = True,
) -> None:
    """torch -> ONNX (opset 17), input ``image`` with a dynamic batch axis, then onnx.checker.

    ``dynamic_hw``: height and width dynamic too (fully convolutional detectors: the reader then
    letterboxes to the smallest stride multiple instead of the full square); the output's
    ``anchor_axis`` (1 for [N, A, 15] detections, 2 for the raw [N, 13, A] head) is dynamic with them.
    """
    import onnx

    module.eval()
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (dummy,),
            str(out_path),
            input_names=["image"],
            output_names=[output],
            dynamic_axes=(
                {"image": {0: "batch", 1: "height", 2: "width"}, output: {0: "batch", anchor_axis: "anchors"}}
                if dynamic_hw else {"image": {0: "batch"}, output: {0: "batch"}}
            ),
            opset_version=OPSET,
            dynamo=False,
            do_constant_folding=True,
        )
    if check:
        onnx.checker.check_model(onnx.load(str(out_path)), full_check=True)


def _jsonable(v: Any) -> Any:
    return list(v) if isinstance(v, tuple | set) else str(v)


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def recognizer_sidecar(model: nn.Module, meta: dict[str, Any]) -> dict[str, Any]:
    """Sidecar dict from the model attributes and checkpoint meta (region defaults fill gaps)."""
    region_name = meta.get("region") or getattr(model, "region", None) or "cn"
    region = REGIONS.get(region_name)
    h, w = (int(v) for v in model.input_size)
    decoder = getattr(model, "decoder", "slots")
    return {
        "kind": "recognizer",
        "model": meta.get("model_name", getattr(model, "model_name", type(model).__name__)),
        "model_args": meta.get("model_args", getattr(model, "model_args", {})),
        "region": region_name,
        # the model's own (its class count), then the checkpoint's, then the region's
        "alphabet": getattr(model, "alphabet", None) or meta.get("alphabet") or (region.alphabet if region else ""),
        "pad": meta.get("pad") or (region.pad if region else "_"),
        "n_slots": int(meta.get("n_slots") or (region.n_slots if region else 9)),
        "decoder": decoder,
        "crop_margin": float(meta.get("crop_margin", 0.0)),
        "input": {"height": h, "width": w, "layout": "NHWC", "dtype": "uint8", "name": "image"},
        "output": {"name": "probs", "shape": ["N", "n_slots" if decoder == "slots" else "T", "C"],
                   "meaning": "softmax probabilities"},
        "params": param_count(model),
        "opset": OPSET,
        "metrics": meta.get("metrics", {}),
    }


def export_recognizer(model: nn.Module, meta: dict[str, Any], out_path: str | os.PathLike) -> dict[str, Any]:
    """Write ``out_path`` (.onnx) + sidecar ``.json``; returns the sidecar dict.

    ``meta`` is the checkpoint payload (``load_checkpoint(...)[1]``): region, alphabet, pad,
    n_slots, crop_margin, metrics are taken from it when present.
    """
    model = model.eval().cpu()
    side = recognizer_sidecar(model, meta)
    h, w = side["input"]["height"], side["input"]["width"]
    dummy = torch.randint(0, 256, (2, h, w, 3), dtype=torch.uint8)
    with torch.no_grad():
        n_classes = model(dummy).shape[-1]
    vocab = len(side["alphabet"]) + (1 if side["decoder"] == "slots" else 2)
    if n_classes != vocab:
        raise ValueError(
            f"model outputs {n_classes} classes but the {side['decoder']} charset has {vocab} "
            f"(alphabet {len(side['alphabet'])}); pass the right alphabet in meta"
        )
    export_onnx(ProbsHead(model), dummy, out_path, "probs")
    Path(out_path).with_suffix(".json").write_text(json.dumps(side, ensure_ascii=False, indent=1, default=_jsonable), encoding="utf-8")
    return side


class ProbsEnsemble(nn.Module):
    """Recognizers with the same outputs (one alphabet; slots, or CTC frames of one length) as one graph: the mean
    of their softmax probabilities, position by position. The graph takes the first member's input size; another
    member gets the crop resized to its own inside the graph (bilinear, rounded to pixel values)."""

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(models)
        self.input_size = tuple(int(v) for v in models[0].input_size)

    def member_probs(self, image: torch.Tensor) -> list[torch.Tensor]:  # uint8 [N, H, W, 3] -> each [N, S, C]
        out = []
        for m in self.members:
            x = image
            size = tuple(int(v) for v in m.input_size)
            if size != self.input_size:  # [N, 3, H, W] float -> the member's [N, h, w, 3] pixel values
                x = torch.nn.functional.interpolate(image.permute(0, 3, 1, 2).float(), size=size, mode="bilinear",
                                                    align_corners=False).round().clamp(0, 255).permute(0, 2, 3, 1)
            out.append(torch.softmax(m(x).float(), dim=-1))
        return out

    def forward(self, image: torch.Tensor) -> torch.Tensor:  # uint8 [N, H, W, 3] -> [N, S, C]
        return torch.stack(self.member_probs(image)).mean(0)


def export_ensemble(models: list[nn.Module], metas: list[dict[str, Any]], out_path: str | os.PathLike) -> dict:
    """Write the :class:`ProbsEnsemble` of ``models`` (checkpoint payloads ``metas``) as one recognizer .onnx +
    sidecar (the first member's, ``ensemble`` listing every member); returns the sidecar dict."""
    if len(models) < 2:
        raise ValueError("an ensemble needs at least two recognizers")
    models = [m.eval().cpu() for m in models]
    sides = [recognizer_sidecar(m, meta) for m, meta in zip(models, metas, strict=True)]
    for s in sides[1:]:
        for k in ("region", "alphabet", "pad", "n_slots", "decoder", "crop_margin"):
            if s[k] != sides[0][k]:
                raise ValueError(f"ensemble members differ in {k}: {sides[0][k]!r} vs {s[k]!r}")
    ens = ProbsEnsemble(models).eval()
    h, w = ens.input_size
    dummy = torch.randint(0, 256, (2, h, w, 3), dtype=torch.uint8)
    with torch.no_grad():
        shapes = {tuple(p.shape[1:]) for p in ens.member_probs(dummy)}
    if len(shapes) != 1:
        raise ValueError(f"ensemble members give different output shapes {sorted(shapes)} (CTC frames must match)")
    vocab = len(sides[0]["alphabet"]) + (1 if sides[0]["decoder"] == "slots" else 2)
    if next(iter(shapes))[-1] != vocab:
        raise ValueError(f"members output {next(iter(shapes))[-1]} classes but the {sides[0]['decoder']} charset has "
                         f"{vocab} (alphabet {len(sides[0]['alphabet'])})")
    side = dict(sides[0])
    side["model"] = "ensemble"
    side["ensemble"] = [{"model": s["model"], "model_args": s["model_args"], "params": s["params"],
                         "input": [s["input"]["height"], s["input"]["width"]], "metrics": s["metrics"]} for s in sides]
    side["params"] = sum(s["params"] for s in sides)
    side["metrics"] = {}
    export_onnx(ens, dummy, out_path, "probs")
    Path(out_path).with_suffix(".json").write_text(json.dumps(side, ensure_ascii=False, indent=1, default=_jsonable),
                                                   encoding="utf-8")
    return side


def compare_onnx_torch(model: nn.Module, onnx_path: str | os.PathLike, n: int = 3, seed: int = 0) -> float:
    """Max |probs_torch - probs_onnxruntime| on random uint8 inputs (batch n)."""
    import numpy as np

    from platekit.inference.session import make_session

    h, w = (int(v) for v in model.input_size)
    x = np.random.default_rng(seed).integers(0, 256, (n, h, w, 3), dtype=np.uint8)
    with torch.no_grad():
        head = model.eval() if isinstance(model, ProbsEnsemble) else ProbsHead(model.eval())
        ref = head(torch.from_numpy(x)).numpy()
    sess = make_session(onnx_path, 1)
    got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    return float(np.abs(ref - got).max())
