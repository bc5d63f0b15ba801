"""A second look on a small canvas merged with the first (issue 16, session 20; configs/union_look_s20.md): on our
own val sets, plates found, extra detections and plates found by width for the shipped chain of looks and for the
first (384) look merged (NMS) with a 256 look's plates scoring at least t. Never the test sets.

    python scripts/merge_look_study.py
"""

from __future__ import annotations

import numpy as np
from retry_study import SETS, found, val_images  # scripts/ is on sys.path when run as a script

from platekit.inference.detector import OnnxDetector, merge_detections

BINS = ((0.0, 0.05, "<5%"), (0.05, 0.10, "5-10%"), (0.10, 0.20, "10-20%"), (0.20, 9.0, ">=20%"))
POLICIES = ("shipped", "union256@0.5", "union256@0.6", "union256@0.7", "merge-if-found@0.6")


def main() -> int:
    det = OnnxDetector("src/platekit/weights/detector.onnx")
    print("| set | policy | plates | found | extra | " + " | ".join(b[2] for b in BINS) + " |")
    for name, path in SETS.items():
        res = {p: np.zeros(2, int) for p in POLICIES}
        bins = {p: np.zeros((len(BINS), 2), int) for p in POLICIES}
        n = 0
        for img, gt, wf in val_images(path):
            n += len(gt)
            d384 = det.detect(img)
            chain = d384 if d384 else det.detect_retry(img)
            d256 = det.detect(img, 0.5, (256, 256))
            outs = {"shipped": chain}
            for t in (0.5, 0.6, 0.7):
                u = merge_detections(d384, [d for d in d256 if d.confidence >= t], det.nms_iou)
                outs[f"union256@{t}"] = u if u else det.detect_retry(img)
            outs["merge-if-found@0.6"] = (merge_detections(d384, [d for d in d256 if d.confidence >= 0.6], det.nms_iou)
                                          if d384 else chain)
            for p in POLICIES:
                f = found(outs[p], gt)
                res[p] += (int(f.sum()), len(outs[p]) - int(f.sum()))
                for i, (lo, hi, _) in enumerate(BINS):
                    m = (wf >= lo) & (wf < hi)
                    bins[p][i] += (int(f[m].sum()), int(m.sum()))
        for p in POLICIES:
            print(f"| {name} | {p} | {n} | {res[p][0]} | {res[p][1]} | "
                  + " | ".join(f"{bins[p][i][0]}/{bins[p][i][1]}" for i in range(len(BINS))) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
