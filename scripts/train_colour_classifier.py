"""Train + export the plate-colour classifier (issue 14: a Chinese plate's type by colour, not text alone).

The region classifier's network and loop (src/platekit/train/region_classifier.py) over the plate colours of
``core.formats.CN_TYPE_INFO`` (blue, yellow, green, white, black): synthetic crops of every Chinese type of that
colour, plus the CCPD train-split crops as blue.

    python scripts/train_colour_classifier.py runs/colour/colour.onnx --threads 2   # the shipped colour-v1
    python scripts/colour_own_val.py runs/colour/colour.onnx                       # right / wrong at each bar
    cp runs/colour/colour.{onnx,json} src/platekit/weights/   # ship it (its bar: --bar, written into the sidecar)
"""

from __future__ import annotations

import argparse
import json
import os

from platekit.core.formats import cn_types_by_colour
from platekit.train.region_classifier import ClassifierData, add_args, train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_args(ap, steps=4000, synth=3000, difficulties="0.5,0.8,1.0", seed=20)
    ap.add_argument("--bar", type=float, default=0.7, help="the probability a colour is reported at (sidecar 'bar'; "
                    "the shipped 0.7 was chosen by configs/plate_colour_s20.md)")
    ap.add_argument("--grey", type=float, default=0.05, help="share of training crops turned grey (IR cameras)")
    ap.add_argument("--size", default="24x72", help="input HxW")
    ap.add_argument("--widths", default="12,24,32,48", help="channels of the four conv stages")
    args = ap.parse_args()
    by_colour = cn_types_by_colour()
    data = ClassifierData(args.ccpd, None, args.synth, synth_formats=by_colour, classes=tuple(by_colour),
                          ccpd_class="blue", openlpr_class=None,
                          difficulties=tuple(float(d) for d in args.difficulties.split(",")))
    h, w = (int(v) for v in args.size.lower().split("x"))
    meta = train(args.out, data, size=(h, w), steps=args.steps, seed=args.seed, threads=args.threads,
                 kind="plate_colour", grey=args.grey, widths=tuple(int(v) for v in args.widths.split(",")))
    meta["bar"] = args.bar
    meta["min_chroma"] = 4.0  # OnnxPlateColour: a crop greyer than this gets no colour
    meta["trained"].update({"grey": args.grey, "command": "python scripts/train_colour_classifier.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k != "out") + f" {args.out}"})
    with open(os.path.splitext(args.out)[0] + ".json", "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    print(meta["val_accuracy"])


if __name__ == "__main__":
    main()
