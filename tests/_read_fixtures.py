"""Tiny ONNX models for the reader tests (built in tmp dirs; never registered globally).

* a toy *detector* graph honouring the shipped contract (uint8 [N, H, W, 3] -> [N, A, 13]): it
  "detects" the bounding box of near-white pixels, plus a weaker duplicate (for NMS) and a
  low-score junk row (for the threshold);
* tiny randomly initialised slot / CTC *recognizers* exported with platekit.export.onnx.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from platekit.core.formats import REGIONS
from platekit.export.onnx import export_onnx, export_recognizer

DET_SIZE = (96, 128)  # H, W of the toy detector input


class ToyDetector(nn.Module):
    def forward(self, image: torch.Tensor) -> torch.Tensor:  # uint8 [N, H, W, 3] -> [N, 3, 13]
        x = image.float().mean(-1)  # [N, H, W]
        mask = x > 200
        n, h, w = x.shape
        xs = torch.arange(w, dtype=torch.float32).view(1, 1, w).expand(n, h, w)
        ys = torch.arange(h, dtype=torch.float32).view(1, h, 1).expand(n, h, w)
        big = torch.full_like(xs, 1e6)
        x1 = torch.where(mask, xs, big).flatten(1).amin(1)
        y1 = torch.where(mask, ys, big).flatten(1).amin(1)
        x2 = torch.where(mask, xs, -big).flatten(1).amax(1) + 1
        y2 = torch.where(mask, ys, -big).flatten(1).amax(1) + 1
        found = mask.flatten(1).any(1).float()
        box = torch.stack([x1, y1, x2, y2], 1) * found[:, None]
        corners = torch.stack([x1, y1, x2, y1, x2, y2, x1, y2], 1) * found[:, None]
        main = torch.cat([(0.9 * found)[:, None], box, corners], 1)  # [N, 13]
        dup = main.clone()
        dup[:, 0] = 0.8 * found
        dup[:, 1:] = dup[:, 1:] + 1.0 * found[:, None]  # a shifted duplicate that NMS must remove
        junk = torch.zeros_like(main)
        junk[:, 0] = 0.1
        junk[:, 1:5] = torch.tensor([0.0, 0.0, 10.0, 10.0])
        return torch.stack([main, dup, junk], 1)


class TinySlots(nn.Module):
    decoder = "slots"

    def __init__(self, region: str = "cn", size=(16, 48)):
        super().__init__()
        r = REGIONS[region]
        self.input_size, self.n_slots, self.n_cls = size, r.n_slots, len(r.alphabet) + 1
        self.conv = nn.Conv2d(3, 8, 3, 2, 1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 4, self.n_slots * self.n_cls)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # uint8 [N, H, W, 3] -> [N, S, C]
        x = (x.permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.25
        x = nn.functional.adaptive_avg_pool2d(self.bn(self.conv(x)).relu(), (1, 4)).flatten(1)
        return self.fc(x).view(-1, self.n_slots, self.n_cls)


class TinyCTC(nn.Module):
    decoder = "ctc"

    def __init__(self, region: str = "ru", size=(16, 64), steps: int = 16):
        super().__init__()
        self.input_size, self.steps = size, steps
        self.n_cls = len(REGIONS[region].alphabet) + 2
        self.conv = nn.Conv2d(3, 8, 3, 1, 1)
        self.fc = nn.Linear(8, self.n_cls)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # uint8 [N, H, W, 3] -> [N, T, C]
        x = self.conv(x.permute(0, 3, 1, 2).float() / 255).relu()
        x = nn.functional.adaptive_avg_pool2d(x, (1, self.steps))[:, :, 0].transpose(1, 2)
        return self.fc(x)


def make_detector(out_dir: Path, dynamic_hw: bool = False) -> Path:
    path = Path(out_dir) / ("toy_det_dyn.onnx" if dynamic_hw else "toy_det.onnx")
    dummy = torch.zeros((1, *DET_SIZE, 3), dtype=torch.uint8)
    export_onnx(ToyDetector(), dummy, path, "detections", dynamic_hw=dynamic_hw)
    side = {
        "kind": "detector", "model": "toy_threshold",
        "input": {"height": DET_SIZE[0], "width": DET_SIZE[1], "layout": "NHWC", "dtype": "uint8"},
        "input_size": list(DET_SIZE), "score_threshold": 0.5, "nms_iou": 0.4, "strides": [8, 16, 32],
        "output": "[N, A, 13] score, x1, y1, x2, y2, lt, rt, rb, lb (x, y) in input pixels",
    }
    path.with_suffix(".json").write_text(json.dumps(side))
    return path


def make_recognizer(out_dir: Path, kind: str = "slots", region: str = "cn", seed: int = 0) -> tuple[Path, nn.Module]:
    torch.manual_seed(seed)
    model = (TinySlots(region) if kind == "slots" else TinyCTC(region)).eval()
    path = Path(out_dir) / f"tiny_{kind}_{region}.onnx"
    export_recognizer(model, {"region": region, "model_name": f"tiny_{kind}", "crop_margin": 0.05}, path)
    return path, model


def scene(h: int = 240, w: int = 320, box=(100, 120, 180, 150), seed: int = 0) -> np.ndarray:
    """Dark noisy RGB scene with one white 'plate' rectangle at box (x1, y1, x2, y2)."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 120, (h, w, 3), dtype=np.uint8)
    x1, y1, x2, y2 = box
    img[y1:y2, x1:x2] = 255
    return img


SAMPLE = Path(__file__).resolve().parents[1] / "src" / "platekit" / "samples" / "cn_sample.jpg"
FAR_SCALE, FAR_AT = 0.2, (300, 400)  # the bundled sample shrunk to 1/5 and pasted at (x, y)


def far_plate_frame() -> np.ndarray:
    """BGR [1000, 1000, 3]: the bundled sample shrunk so its plate is ~40 px wide, on grey. The shipped detector
    misses that plate on its 384 canvas and finds it on its 640 retry canvas (tests of ``detect_retry``); its corners
    are the sample's label corners x FAR_SCALE + FAR_AT."""
    import cv2

    small = cv2.resize(cv2.imread(str(SAMPLE)), None, fx=FAR_SCALE, fy=FAR_SCALE, interpolation=cv2.INTER_AREA)
    frame = np.full((1000, 1000, 3), 100, np.uint8)
    x, y = FAR_AT
    frame[y:y + small.shape[0], x:x + small.shape[1]] = small
    return frame
