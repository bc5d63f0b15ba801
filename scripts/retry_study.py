"""The detector's second look for images where it found nothing (issue 16 / 14, session 17): on our own val sets,
plates found and extra detections of the shipped graph at its canvas alone, and with one more look on a larger canvas
(each size x threshold) for the images where the first look found nothing. How `retry_empty` in
weights/detector.json was chosen (docs/detector.md "Session 17"). Never the test sets.

    python scripts/retry_study.py [--detector src/platekit/weights/detector.onnx] [--sizes 512,640,768] \
        [--thresholds 0.5,0.6,0.7] [--set openlpr_val=../shared/data/openlpr_detection ...]

Default sets: openlpr val, the close-up val (scripts/closeup_scenes.py --split val -> runs/det/closeup), the
on-plates val (synthetic Latin plates on real scenes, runs/det/onplates_val) and CCPD val; a set whose folder is
missing is skipped with a note. A plate is found when a detection has IoU >= 0.5 with it; every other detection
is an extra one.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from platekit.cli.eval_detector import load_eval_records
from platekit.core.geometry import box_iou
from platekit.core.image import load_image
from platekit.inference.detector import OnnxDetector

SETS = {"openlpr_val": "../shared/data/openlpr_detection", "closeup_val": "runs/det/closeup",
        "onplates_val": "runs/det/onplates_val", "ccpd_val": "../shared/data/ccpd2019_base"}


def val_images(path: str, limit: int = 0):
    """A detection set's val split (else all of it): (image, labelled boxes [N, 4], each box's width as a share of the
    image width) per image, in order; ``limit``: the first images only."""
    recs = load_eval_records(path, "val") or load_eval_records(path, "all")
    for r in recs[:limit] if limit else recs:
        img = load_image(r["path"])
        gt = np.asarray(r["boxes"], np.float32).reshape(-1, 4)
        yield img, gt, (gt[:, 2] - gt[:, 0]) / img.shape[1]


def found(dets, gt: np.ndarray) -> np.ndarray:
    if not dets:
        return np.zeros(len(gt), bool)
    return (box_iou(gt, np.array([d.box for d in dets], np.float32)) >= 0.5).any(1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--detector", default="src/platekit/weights/detector.onnx")
    ap.add_argument("--sizes", default="512,640,768")
    ap.add_argument("--thresholds", default="0.5,0.6,0.7")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=PATH", help="replaces the default sets")
    a = ap.parse_args(argv)
    sets = dict(s.split("=", 1) for s in a.set) if a.set else SETS
    base = OnnxDetector(a.detector)
    if base.stride is None:
        raise SystemExit("error: a fixed-size detector graph cannot look on another canvas (re-export with dynamic_hw)")
    sizes = [int(s) for s in a.sizes.split(",")]
    thresholds = [float(t) for t in a.thresholds.split(",")]
    keys = ["first look"] + [f"{s} @ {t:.2f}" for s in sizes for t in thresholds]
    gain = {k: [0, 0] for k in keys}
    print("| set | images | plates | empty after the first look | " + " | ".join(keys) + " |")
    print("|---|---|---|---|" + "---|" * len(keys))
    for name, path in sets.items():
        if not os.path.exists(path):
            print(f"(skipped {name}: {path} not found)")
            continue
        res = {k: [0, 0] for k in keys}
        plates = empty = images = 0
        for img, gt, _ in val_images(path):
            images += 1
            first = base.detect(img)
            f0 = found(first, gt)
            plates += len(gt)
            empty += not first
            res["first look"][0] += int(f0.sum())
            res["first look"][1] += len(first) - int(f0.sum())
            for s in sizes:
                for t in thresholds:
                    k = f"{s} @ {t:.2f}"
                    if first:
                        f, n = f0, len(first)
                    else:
                        base.retries = [((s, s), t)]
                        again = base.detect_retry(img)
                        f, n = found(again, gt), len(again)
                    res[k][0] += int(f.sum())
                    res[k][1] += n - int(f.sum())
        for k in keys:
            gain[k][0] += res[k][0] - res["first look"][0]
            gain[k][1] += res[k][1] - res["first look"][1]
        print(f"| {name} | {images} | {plates} | {empty} | " +
              " | ".join(f"{res[k][0]} found, {res[k][1]} extra" for k in keys) + " |", flush=True)
    print("| **all sets: gain over the first look** | | | | " +
          " | ".join(f"+{gain[k][0]} found, +{gain[k][1]} extra (net {gain[k][0] - gain[k][1]:+d})" for k in keys) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
