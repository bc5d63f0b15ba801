"""Choose the default reading-confidence threshold from coverage curves (never from ../shared/data/test/).

Reads every scene of the project's CCPD by-text validation split (``val_records``) and of the
openlpr_detection val split with the shipped models and ``min_confidence=0``, then prints, for a range of
thresholds, how many correct readings, misreadings and readings of false detections are kept:

* CCPD val: a plate with IoU >= 0.5 to the label is *correct* (text equal) or *wrong*; any other
  plate is a *false detection*.
* openlpr val (plates of many countries, boxes only, no text): a plate away from every labelled box
  (IoU < 0.5) is a *false detection*; plates on labelled boxes are counted apart (*foreign*: mostly
  not Chinese plates, so a Chinese reading of them is noise).

The rule: the threshold must lie between the lowest one that removes every false detection of both
val sets and the highest one that still keeps every correct CCPD reading; the default (0.5) is taken
near the low end of that interval, because plates from other cameras read with lower confidence than
CCPD's (as the openlpr readings show), so a higher threshold would cost correct readings there.

    python scripts/choose_threshold.py ../shared/data/ccpd2019_base ../shared/data/openlpr_detection
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from platekit.core.geometry import box_iou
from platekit.evaluation.bench import val_records
from platekit.inference.reader import Reader


def ccpd_readings(reader: Reader, data: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"correct": [], "wrong": [], "false": []}
    for rec in val_records(data):
        plates = reader.read(rec.path, color="rgb")  # a path: the color argument is unused
        if not plates:
            continue
        iou = box_iou(np.array([p.box for p in plates]), np.array([rec.box]))[:, 0]
        for p, v in zip(plates, iou, strict=True):
            kind = "false" if v < 0.5 else ("correct" if p.text == rec.text else "wrong")
            out[kind].append(p.confidence)
    return out


def openlpr_readings(reader: Reader, data: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"foreign": [], "false": []}
    with open(os.path.join(data, "labels.jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for row in rows:
        if not row["image"].startswith("val/"):
            continue
        plates = reader.read(os.path.join(data, row["image"]))
        if not plates:
            continue
        boxes = np.array(row["boxes"] or [[0, 0, 0, 0]], np.float64)
        iou = box_iou(np.array([p.box for p in plates]), boxes).max(1)
        for p, v in zip(plates, iou, strict=True):
            out["false" if v < 0.5 else "foreign"].append(p.confidence)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("ccpd")
    ap.add_argument("openlpr", nargs="?")
    ap.add_argument("--text-prior", type=float, default=None,
                    help="the cn reader's plate-text prior weight (default: the region's; 0: off)")
    args = ap.parse_args()
    reader = Reader(region="cn", min_confidence=0.0, text_prior=args.text_prior)
    groups = {f"ccpd {k}": v for k, v in ccpd_readings(reader, args.ccpd).items()}
    if args.openlpr:
        groups |= {f"openlpr {k}": v for k, v in openlpr_readings(reader, args.openlpr).items()}
    thresholds = np.round(np.arange(0.0, 0.96, 0.05), 2)
    print("| threshold | " + " | ".join(f"{k} kept (of {len(v)})" for k, v in groups.items()) + " |")
    print("|---" * (len(groups) + 1) + "|")
    for t in thresholds:
        cells = [f"{sum(c >= t for c in v)}" for v in groups.values()]
        print(f"| {t:.2f} | " + " | ".join(cells) + " |")
    correct = np.array(groups["ccpd correct"])
    false = np.array([c for k, v in groups.items() if k.endswith("false") for c in v])
    keeps_all = [t for t in thresholds if (correct >= t).all()]
    drops_all = [t for t in thresholds if not (false >= t).any()]
    print(f"\nevery false detection removed from threshold {min(drops_all, default=float('nan')):.2f}; "
          f"every correct CCPD val reading kept up to {max(keeps_all):.2f}")
    for k, v in groups.items():
        print(f"{k}: n={len(v)} confidences p5/p50 = "
              f"{np.percentile(v, 5) if v else float('nan'):.3f} / {np.median(v) if v else float('nan'):.3f}")


if __name__ == "__main__":
    main()
