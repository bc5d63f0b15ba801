"""Train + export the region classifier of ``--region auto`` (src/platekit/train/region_classifier.py).

    python scripts/teacher_label_latin.py                  # openlpr crops (runs/latin_teacher)
    python scripts/train_region_classifier.py runs/region/region.onnx [--steps 3000]
    cp runs/region/region.{onnx,json} src/platekit/weights/   # ship it
"""

from __future__ import annotations

import argparse

from platekit.train.region_classifier import ClassifierData, train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output .onnx (sidecar .json next to it)")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--synth", type=int, default=3000, help="synthetic crops per class")
    ap.add_argument("--difficulties", default="0.8", help="generator difficulties, comma-separated (split evenly)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ccpd", default="../shared/data/ccpd2019_base")
    ap.add_argument("--openlpr-crops", default="runs/latin_teacher")
    args = ap.parse_args()
    data = ClassifierData(args.ccpd, args.openlpr_crops, args.synth,
                          difficulties=tuple(float(d) for d in args.difficulties.split(",")))
    meta = train(args.out, data, steps=args.steps, seed=args.seed, threads=args.threads)
    print(meta["val_accuracy"])


if __name__ == "__main__":
    main()
