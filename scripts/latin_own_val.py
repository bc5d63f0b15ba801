"""Own validation of Latin readers (issue 16): how rec_latin was chosen, never on test/latin_scenes.

Two sets: the teacher-labelled openlpr val-split crops (scripts/teacher_label_latin.py, 60) and 600 hard
synthetic plates of every Latin format (difficulty 0.8, seed 777). For each model: exact over every
reading (greedy CTC) and over the readings shown at the Reader's threshold 0.5.

    python scripts/latin_own_val.py runs/rec_latin/rec_latin.onnx runs/rec_latin2/rec_latin.onnx
"""

from __future__ import annotations

import argparse
import csv
import os

import cv2

from platekit.core.formats import REGIONS
from platekit.inference.recognizer import OnnxRecognizer
from platekit.synth.generator import PlateSynth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", help="rec_latin .onnx files (sidecars next to them)")
    ap.add_argument("--teacher", default="runs/latin_teacher/val")
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args()
    rows = list(csv.DictReader(open(os.path.join(args.teacher, "labels.csv"), encoding="utf-8")))
    real = ([cv2.imread(os.path.join(args.teacher, r["image_path"]))[..., ::-1] for r in rows], [r["plate_text"] for r in rows])
    gen = PlateSynth([f.name for f in REGIONS["latin"].formats], size=(160, 48), difficulty=0.8, seed=777)
    s = [gen.sample_at(i) for i in range(600)]
    synth = ([a for a, _, _ in s], [b for _, b, _ in s])
    print("| model | set | n | exact (every reading) | exact (shown) |\n|---|---|---|---|---|")
    for path in args.models:
        rec = OnnxRecognizer(path)
        for name, (xs, ts) in (("openlpr val teacher crops", real), ("hard synthetic", synth)):
            rd = rec.read(xs)
            every = sum(r.text == t for r, t in zip(rd, ts, strict=True))
            shown = sum(r.text == t and r.confidence >= args.threshold for r, t in zip(rd, ts, strict=True))
            print(f"| {path} | {name} | {len(ts)} | {every} | {shown} |")


if __name__ == "__main__":
    main()
