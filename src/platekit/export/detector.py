"""Export a plate detector to ONNX (uint8 NHWC ``image`` -> ``detections`` [N, A, 13]) + JSON sidecar."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from torch import nn

from platekit.errors import PlatekitError

OPSET = 17


def _load(ckpt_or_model: str | os.PathLike | nn.Module) -> tuple[nn.Module, dict]:
    if isinstance(ckpt_or_model, nn.Module):
        return ckpt_or_model, {}
    from platekit.models.registry import load_checkpoint

    p = Path(ckpt_or_model)
    if not p.is_file():
        raise PlatekitError(f"{p}: checkpoint not found")
    return load_checkpoint(str(p))


def sidecar(model: nn.Module, meta: dict, score_threshold: float, nms_iou: float) -> dict:
    h, w = model.input_size
    return {
        "kind": "detector",
        "model": getattr(model, "model_name", "plate_detector"),
        "model_args": {k: list(v) if isinstance(v, tuple) else v for k, v in getattr(model, "model_args", {}).items()},
        "input": {"name": "image", "height": h, "width": w, "layout": "NHWC", "dtype": "uint8", "color": "RGB"},
        "input_size": [h, w],
        "letterbox": "top-left",
        "letterbox_rule": "scale = min(H/h, W/w); resized image at the top-left; the rest filled with pad_value",
        "pad_value": 114,
        "strides": list(model.strides),
        "output": {
            "name": "detections",
            "shape": ["N", "A", 13],
            "fields": ["score", "x1", "y1", "x2", "y2", "lt_x", "lt_y", "rt_x", "rt_y", "rb_x", "rb_y", "lb_x", "lb_y"],
            "description": "per location: sigmoid plate score, box and 4 corners (lt, rt, rb, lb) in input pixels, "
            "decoded inside the graph; the caller thresholds by score_threshold and runs NMS (nms_iou)",
        },
        "score_threshold": float(score_threshold),
        "nms_iou": float(nms_iou),
        "metrics": meta.get("metrics", {}),
    }


class _Export(nn.Module):
    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model.forward_export(image)


def export_detector(
    ckpt_or_model: str | os.PathLike | nn.Module,
    out_path: str | os.PathLike,
    score_threshold: float | None = None,
    nms_iou: float | None = None,
    check: bool = True,
    metrics: dict | None = None,
) -> Path:
    """Write ``out_path`` (.onnx, opset 17, dynamic batch) and its .json sidecar; returns the .onnx path."""
    import onnx

    model, meta = _load(ckpt_or_model)
    model = model.eval().cpu()
    if metrics is not None:
        meta = {**meta, "metrics": metrics}
    if score_threshold is None:
        score_threshold = float(meta.get("score_threshold", 0.4))
    if nms_iou is None:
        nms_iou = float(meta.get("nms_iou", 0.4))
    out = Path(out_path).with_suffix(".onnx")
    out.parent.mkdir(parents=True, exist_ok=True)
    h, w = model.input_size
    dummy = torch.full((1, h, w, 3), 114, dtype=torch.uint8)
    wrapper = _Export(model).eval()  # a wrapper left in train mode would flip the model back to train after export
    torch.onnx.export(
        wrapper,
        (dummy,),
        str(out),
        input_names=["image"],
        output_names=["detections"],
        dynamic_axes={"image": {0: "N"}, "detections": {0: "N"}},
        opset_version=OPSET,
        do_constant_folding=True,
        dynamo=False,
    )
    if check:
        onnx.checker.check_model(onnx.load(str(out)))
    out.with_suffix(".json").write_text(
        json.dumps(sidecar(model, meta, score_threshold, nms_iou), indent=2) + "\n", encoding="utf-8"
    )
    return out
