"""Own validation of a plate-colour classifier (configs/plate_colour_s20.md): right / wrong at each bar.

V1: the CCPD val-split crops (real blue plates, never trained on); V2: synthetic crops of every Chinese type
(seed 2020, 300 per type, difficulties 0.7 and 1.0), the colour each type's ``CN_TYPE_INFO`` gives it. A colour is
what ``OnnxPlateColour.colours`` reports at the bar (grey crops: none, whatever the network says).

    python scripts/colour_own_val.py runs/s20/colour/colour.onnx [--bars 0.6,0.7,0.8,0.9,0.95]
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from platekit.core.formats import CN_TYPE_INFO
from platekit.inference.region import plate_colour_classifier
from platekit.synth.generator import PlateSynth


def synth_crops(fmt: str, n: int, difficulty: float, seed: int = 2020) -> np.ndarray:
    gen = PlateSynth([fmt], size=(144, 48), difficulty=difficulty, seed=seed, stitch_rows=False)
    return np.stack([gen.sample_at(i)[0] for i in range(n)])


def ccpd_val_crops(root: str) -> np.ndarray:
    from platekit.train import rec_data as rd

    samples = rd.load_samples(rd.Source(root, split="val"), "cn")
    return rd.eval_crops(samples, (144, 48), "corners", 0.06)[0]


def rates(said: list[str | None], truth: str) -> tuple[float, float]:
    """The colours a classifier reported (None: not sure, or a grey crop) -> (share right, share wrong)."""
    return (float(np.mean([c == truth for c in said])), float(np.mean([c is not None and c != truth for c in said])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--bars", default="0.6,0.7,0.8,0.9,0.95")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--ccpd", default="../shared/data/ccpd2019_base")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    clf = plate_colour_classifier(args.model)
    bars = [float(b) for b in args.bars.split(",")]
    sets = []  # (name, truth colour, {bar: the colours reported at it})
    def said(crops: list[np.ndarray]) -> dict[float, list[str | None]]:
        return {b: clf.colours(crops, b) for b in bars}

    if os.path.isdir(args.ccpd):
        sets.append(("V1 ccpd_val", "blue", said(list(ccpd_val_crops(args.ccpd)))))
    for d in (0.7, 1.0):
        for name, info in CN_TYPE_INFO.items():
            sets.append((f"V2 {name} d{d}", info.plate_colour, said(list(synth_crops(name, args.n, d)))))
    out = {}
    print("| set | truth | " + " | ".join(f"right / wrong at {b}" for b in bars) + " |")
    for name, truth, s in sets:
        r = [rates(s[b], truth) for b in bars]
        out[name] = {"truth": truth, "n": len(s[bars[0]]), **{str(b): v for b, v in zip(bars, r, strict=True)}}
        print(f"| {name} | {truth} | " + " | ".join(f"{a:.3f} / {w:.3f}" for a, w in r) + " |")
    # per colour at difficulty 0.7 (the rule's V2 item): the types of one colour pooled
    print("\n| V2 d0.7 by colour (types pooled) | n | " + " | ".join(f"wrong at {b}" for b in bars) + " |")
    for colour in dict.fromkeys(i.plate_colour for i in CN_TYPE_INFO.values()):
        pooled = {b: [c for name, truth, s in sets if truth == colour and name.startswith("V2") and name.endswith("d0.7")
                      for c in s[b]] for b in bars}
        print(f"| {colour} | {len(pooled[bars[0]])} | " + " | ".join(f"{rates(pooled[b], colour)[1]:.4f}" for b in bars)
              + " |")
        out[f"V2 d0.7 {colour}"] = {str(b): rates(pooled[b], colour) for b in bars}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
