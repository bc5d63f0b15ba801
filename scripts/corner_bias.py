"""Detected vs labelled plate corners on the CCPD by-text val split (fractions of plate width/height).

    python scripts/corner_bias.py [detector.onnx]
"""

import sys

import numpy as np

from platekit.core.geometry import box_iou
from platekit.core.image import load_image
from platekit.evaluation.bench import val_records
from platekit.inference.detector import OnnxDetector


def main(det_path: str) -> None:
    recs = val_records("../shared/data/ccpd2019_base")
    det = OnnxDetector(det_path)
    offs = []
    for r in recs:
        ds = det.detect(load_image(r.path))
        if not ds:
            continue
        i = int(box_iou(np.array([d.box for d in ds]), np.array([r.box]))[:, 0].argmax())
        c, g = np.array(ds[i].corners), r.corners_array()
        w, h = np.linalg.norm(g[1] - g[0]), np.linalg.norm(g[3] - g[0])
        offs.append((c - g) / np.array([w, h]))
    o = np.array(offs)  # [N, 4 corners lt rt rb lb, (x, y)]
    print("mean signed offset per corner (fraction of plate w, h):\n", o.mean(0).round(3))
    print("mean abs:\n", np.abs(o).mean(0).round(3))
    print("p95 abs:\n", np.percentile(np.abs(o), 95, axis=0).round(3))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/platekit/weights/detector.onnx")
