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


def compare_onnx_torch(model: nn.Module, onnx_path: str | os.PathLike, n: int = 3, seed: int = 0) -> float:
    """Max |probs_torch - probs_onnxruntime| on random uint8 inputs (batch n)."""
    import numpy as np

    from platekit.inference.session import make_session

    h, w = (int(v) for v in model.input_size)
    x = np.random.default_rng(seed).integers(0, 256, (n, h, w, 3), dtype=np.uint8)
    with torch.no_grad():
        ref = ProbsHead(model.eval())(torch.from_numpy(x)).numpy()
    sess = make_session(onnx_path, 1)
    got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    return float(np.abs(ref - got).max())
