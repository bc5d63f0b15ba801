"""Own val only: the shipped chain vs the union of a 384 and a 256 look (NMS-merged), then the chain when empty."""
import os, sys, time
import numpy as np
sys.path.insert(0, "scripts")
from retry_study import SETS, found
from platekit.cli.eval_detector import load_eval_records
from platekit.core.image import load_image
from platekit.core.geometry import box_iou
from platekit.inference.detector import OnnxDetector

BINS = ((0.0, 0.05, "<5%"), (0.05, 0.10, "5-10%"), (0.10, 0.20, "10-20%"), (0.20, 9.0, ">=20%"))
det = OnnxDetector("src/platekit/weights/detector.onnx")
thr = det.score_threshold

def nms(dets, iou=0.4):
    dets = sorted(dets, key=lambda d: -d.confidence)
    keep = []
    for d in dets:
        if all(box_iou(np.array([d.box], np.float32), np.array([k.box], np.float32))[0, 0] <= iou for k in keep):
            keep.append(d)
    return keep

pols = ["shipped", "union256@0.5", "union256@0.6", "union256@0.7", "merge-if-found@0.6"]
for name, path in SETS.items():
    recs = load_eval_records(path, "val") or load_eval_records(path, "all")
    res = {p: np.zeros(2, int) for p in pols}
    bins = {p: np.zeros((len(BINS), 2), int) for p in pols}
    n = 0
    for r in recs:
        img = load_image(r["path"])
        gt = np.asarray(r["boxes"], np.float32).reshape(-1, 4)
        wf = (gt[:, 2] - gt[:, 0]) / img.shape[1]
        n += len(gt)
        d384 = det.detect(img)
        chain = d384 if d384 else det.detect_retry(img)
        outs = {"shipped": chain}
        d256 = det.detect(img, 0.5, (256, 256))
        for t in (0.5, 0.6, 0.7):
            u = nms(list(d384) + [d for d in d256 if d.confidence >= t])
            outs[f"union256@{t}"] = u if u else det.detect_retry(img)
        outs["merge-if-found@0.6"] = nms(list(d384) + [d for d in d256 if d.confidence >= 0.6]) if d384 else chain
        for p in pols:
            f = found(outs[p], gt)
            res[p] += (int(f.sum()), len(outs[p]) - int(f.sum()))
            for i, (lo, hi, _) in enumerate(BINS):
                m = (wf >= lo) & (wf < hi)
                bins[p][i] += (int(f[m].sum()), int(m.sum()))
    for p in pols:
        print(f"| {name} | {p} | {n} | {res[p][0]} | {res[p][1]} | " + " | ".join(f"{bins[p][i][0]}/{bins[p][i][1]}" for i in range(len(BINS))) + " |", flush=True)
