"""Train + export the region classifier of ``--region auto`` (src/platekit/train/region_classifier.py).

    python scripts/teacher_label_latin.py                  # openlpr crops (runs/latin_teacher)
    python scripts/train_region_classifier.py runs/region/region.onnx [--steps 3000]
    cp runs/region/region.{onnx,json} src/platekit/weights/   # ship it
"""

from __future__ import annotations

import argparse

from platekit.train.region_classifier import ClassifierData, add_args, train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_args(ap, steps=3000, synth=3000, difficulties="0.8", seed=0)
    ap.add_argument("--openlpr-crops", default="runs/latin_teacher")
    args = ap.parse_args()
    data = ClassifierData(args.ccpd, args.openlpr_crops, args.synth,
                          difficulties=tuple(float(d) for d in args.difficulties.split(",")))
    meta = train(args.out, data, steps=args.steps, seed=args.seed, threads=args.threads)
    print(meta["val_accuracy"])


if __name__ == "__main__":
    main()
