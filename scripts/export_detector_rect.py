"""Export a detector checkpoint with dynamic height/width ("rect" letterbox at inference).

The plate detector is fully convolutional (its anchor grid is computed from the feature-map shapes),
so the same weights run on any stride-32 canvas. With dynamic H/W in the graph,
``platekit.inference.detector.OnnxDetector`` letterboxes a 720x1160 CCPD scene to 256x384 instead
of 384x384 (a third fewer pixels). The sidecar is the detector exporter's own. A checkpoint is exported
with the "raw" output (``export_detector(..., dynamic_hw=True)``: numpy decodes the anchors).

    python scripts/export_detector_rect.py runs/det/best.ckpt src/platekit/weights/detector.onnx [--threshold 0.5]

``--threshold``: the sidecar's score_threshold (default: the checkpoint's, i.e. its training config's), for a
threshold chosen after training.

An already exported fixed-size .onnx is made dynamic in place of a checkpoint (same weights: the input's
height and width become symbolic, stale inferred shapes are dropped, the outputs are checked equal on the
original canvas); this is how the shipped detector v2 became dynamic in session 5:

    python scripts/export_detector_rect.py src/platekit/weights/detector.onnx src/platekit/weights/detector.onnx
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from platekit.export.detector import export_detector
from platekit.inference.detector import OnnxDetector
from platekit.inference.session import make_session
from platekit.models.registry import load_checkpoint


def make_dynamic(src: str, out: str) -> None:
    import onnx

    fixed = make_session(src)
    m = onnx.load(src)
    dims = m.graph.input[0].type.tensor_type.shape.dim  # N, H, W, 3
    h, w = dims[1].dim_value, dims[2].dim_value
    for d, name in ((dims[1], "H"), (dims[2], "W")):
        d.ClearField("dim_value")
        d.dim_param = name
    del m.graph.value_info[:]  # shapes inferred for the fixed canvas
    side = json.loads(Path(src).with_suffix(".json").read_text(encoding="utf-8"))
    x = np.random.default_rng(0).integers(0, 256, (1, h, w, 3), dtype=np.uint8)
    ref = fixed.run(None, {"image": x})[0]
    onnx.checker.check_model(m)
    onnx.save(m, out)
    side["dynamic_hw"] = True
    Path(out).with_suffix(".json").write_text(json.dumps(side, indent=2) + "\n", encoding="utf-8")
    dyn = make_session(out)
    print(f"{(h, w)}: max |fixed - dynamic| = {np.abs(ref - dyn.run(None, {'image': x})[0]).max():.2e}")
    print(f"{(h, w * 2 // 3 // 32 * 32)}: output {dyn.run(None, {'image': x[:, :, : w * 2 // 3 // 32 * 32]})[0].shape}")


def main(ckpt: str, out: str, threshold: float | None = None) -> None:
    if ckpt.endswith(".onnx"):
        make_dynamic(ckpt, out)
        return
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    model, meta = load_checkpoint(ckpt)
    model.eval()
    thr = meta.get("score_threshold", 0.4) if threshold is None else threshold
    export_detector(model, out, score_threshold=thr, nms_iou=meta.get("nms_iou", 0.4), dynamic_hw=True)
    det = OnnxDetector(out)  # the "raw" graph + numpy decode, as the product runs it
    h, w = model.input_size
    for hw in [(h, w), (h, w * 2 // 3 // 32 * 32)]:
        x = np.random.default_rng(0).integers(0, 256, (1, *hw, 3), dtype=np.uint8)
        with torch.no_grad():
            ref = model.forward_export(torch.from_numpy(x)).numpy()
        got = det.run(x)
        print(f"{hw}: max |torch - onnxruntime + decode| = {np.abs(ref - got).max():.2e}")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", help="detector checkpoint, or an exported fixed-size .onnx")
    ap.add_argument("out", help="dynamic-H/W .onnx to write (sidecar beside it)")
    ap.add_argument("--threshold", type=float, help="sidecar score_threshold (checkpoints only; default: the checkpoint's)")
    a = ap.parse_args()
    main(a.src, a.out, a.threshold)
