"""The plate-text prior of CTC decoding on our own validation: at which weight, if any (never on a test set).

A CTC recognizer (``OnnxRecognizer``) reads each set once; its output is then decoded greedily (off) and with
the plate-text prior at each weight (``core.ctc_decode.ctc_decode_prior``: a mixture over the region's formats
and an open fallback; the look-alike swaps that make a reading fit a known layout). Per set and weight: exact
over every reading, exact over the readings shown at the Reader's threshold, and how many readings the prior
changed (wrong -> right, right -> wrong). "exact (shown)" counts the right readings at confidence >= ``--threshold``,
"shown" every reading there (shown - right shown = wrong readings a user would see).

Sets: synthetic plates of the recognizer's region (every format, ``--n`` each at each ``--difficulty``), and any
folders of labelled crops (``--crops DIR``: a labels.csv as ``platekit eval reader --crops`` reads).

    python scripts/text_prior_val.py src/platekit/weights/rec_latin.onnx --weights 0,0.5,0.75,1 \
        --crops runs/latin_teacher/val
    python scripts/text_prior_val.py src/platekit/weights/rec_cn.onnx --crops runs/lowres_own_val/lowres
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from platekit.core.image import load_image
from platekit.data.readers import read_csv
from platekit.inference.recognizer import OnnxRecognizer
from platekit.synth.generator import PlateSynth


def crop_set(folder: str) -> tuple[list[np.ndarray], list[str]]:
    rows = read_csv(os.path.join(folder, "labels.csv"))
    return [load_image(r.image_path) for r in rows], [r.text for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="a CTC recognizer .onnx (sidecar next to it)")
    ap.add_argument("--weights", default="0,0.5,0.75,1", help="comma-separated prior weights; 0 = off (greedy)")
    ap.add_argument("--crops", action="append", default=[], help="a folder of labelled crops (labels.csv)")
    ap.add_argument("--difficulty", default="0.8,1.0", help="synthetic difficulties (comma-separated)")
    ap.add_argument("--n", type=int, default=600, help="synthetic plates per difficulty (every format of the region)")
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args()
    rec = OnnxRecognizer(args.model, text_prior=0)
    if rec.decoder != "ctc":
        raise SystemExit(f"{args.model}: not a CTC recognizer (decoder {rec.decoder})")
    sets = {}
    for c in args.crops:  # named by the folder, by its whole path when two folders share a name (a/val, b/val)
        name = os.path.basename(os.path.normpath(c))
        if sum(os.path.basename(os.path.normpath(o)) == name for o in args.crops) > 1:
            name = os.path.normpath(c)
        sets[f"{name} crops"] = crop_set(c)
    fmts = [f.name for f in rec._region.formats]  # what this reader's alphabet can spell
    for d in (float(v) for v in args.difficulty.split(",") if v):
        gen = PlateSynth(fmts, size=rec.input_size[::-1], difficulty=d, seed=args.seed, crop_jitter=0.04)
        s = [gen.sample_at(i) for i in range(args.n)]
        sets[f"synthetic {rec.region} d={d}"] = ([a for a, _, _ in s], [b for _, b, _ in s])
    weights = [float(v) for v in args.weights.split(",")]
    print(f"{args.model} ({rec.region})\n")
    print("| set | n | prior weight | exact (every reading) | exact (shown) | shown | changed | wrong -> right | right -> wrong |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (xs, ts) in sets.items():
        probs = rec.probs(rec.prepare(xs))
        rec.text_prior = None
        base = [r.text for r in rec.decode(probs)]  # changes are counted against the greedy reading (off)
        for m in weights:
            rec.text_prior = None if m <= 0 else m
            rd = rec.decode(probs)
            texts = [r.text for r in rd]
            every = sum(a == t for a, t in zip(texts, ts, strict=True))
            shown = sum(r.text == t and r.confidence >= args.threshold for r, t in zip(rd, ts, strict=True))
            n_shown = sum(r.confidence >= args.threshold for r in rd)
            ch = [i for i, (a, b) in enumerate(zip(base, texts, strict=True)) if a != b]
            gain = sum(texts[i] == ts[i] for i in ch)
            loss = sum(base[i] == ts[i] for i in ch)
            print(f"| {name} | {len(ts)} | {'off' if m <= 0 else m} | {every} | {shown} | {n_shown} | {len(ch)} | {gain} | {loss} |")


if __name__ == "__main__":
    main()
