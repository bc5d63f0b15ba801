"""--region auto on our own validation crops: the region classifier's routing vs the readers' own scores.

Sets with a known region, none of them a test set: CCPD val-split crops by their labelled corners (cn,
342), 300 hard synthetic plates of the cn reader's types (cn), the teacher-labelled openlpr val-split
crops (latin, scripts/teacher_label_latin.py) and 300 hard synthetic Russian plates (ru). Two ways to pick a plate's reader:

* ``scores``: every reader reads; the reading that fits one of its reader's formats with the highest
  confidence wins (``Reader(region="auto", router=False)``);
* ``router`` (the Reader's default): the region classifier picks the reader (probability >= the Reader's route_confidence, 0.9 since session 19; else
  as ``scores``);
* ``router, weighted`` (``route_weighting=True``; not the default): as ``router``, but when the classifier is unsure each
  reading's confidence is multiplied by the classifier's probability of its reader's region.

Both then keep a plate only when its reading fits a format of its reader ("never guesses"). Reported per
set: right region, exact reading (at the Reader's threshold) and unread.

    python scripts/route_compare.py [--router src/platekit/weights/region.onnx] [--out runs/route_compare.json]
        [--text-prior W]  # the CTC readers' plate-text prior weight (OnnxRecognizer text_prior; 0 off)
"""

from __future__ import annotations

import argparse
import csv
import json
import os

import cv2
import numpy as np

from platekit.inference.reader import Reader
from platekit.inference.recognizer import OnnxRecognizer
from platekit.inference.session import shipped_models


def sets(openlpr_crops: str) -> list[tuple[str, str, np.ndarray | list, list[str]]]:
    from platekit.synth.generator import PlateSynth
    from platekit.train import rec_data as rd

    out = []
    ccpd = rd.load_samples(rd.Source("../shared/data/ccpd2019_base", split="val"), "cn")
    x, t = rd.eval_crops(ccpd, (160, 48), "corners", 0.05)
    out.append(("ccpd_val crops", "cn", list(x), t))
    rows = list(csv.DictReader(open(os.path.join(openlpr_crops, "val", "labels.csv"), encoding="utf-8")))
    out.append(("openlpr_val teacher crops", "latin",
                [cv2.imread(os.path.join(openlpr_crops, "val", r["image_path"]))[..., ::-1] for r in rows],
                [r["plate_text"] for r in rows]))
    cn = PlateSynth(["cn-blue", "cn-green", "cn-green-large", "cn-yellow", "cn-yellow-2row"], size=(160, 48), difficulty=0.8, seed=4243, crop_jitter=0.04,
                    stitch_rows=False)  # the router's view: plain rectified crops
    xs = [cn.sample_at(i) for i in range(300)]
    out.append(("synthetic cn, the reader's types (hard)", "cn", [a for a, _, _ in xs], [b for _, b, _ in xs]))
    ru = PlateSynth(["ru", "ru-taxi", "ru-trailer", "ru-police", "ru-transit"], size=(160, 48), difficulty=0.8,
                    seed=4242, binarize=0.35, crop_jitter=0.04)
    xs = [ru.sample_at(i) for i in range(300)]
    out.append(("synthetic ru (hard)", "ru", [a for a, _, _ in xs], [b for _, b, _ in xs]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--router", default=None, help="region classifier .onnx (default: the shipped one)")
    ap.add_argument("--openlpr-crops", default="runs/latin_teacher")
    ap.add_argument("--out", default="runs/route_compare.json")
    ap.add_argument("--text-prior", type=float, default=None, help="CTC readers' plate-text prior weight (0: off)")
    args = ap.parse_args()
    recs = [OnnxRecognizer(p, text_prior=args.text_prior) for p in shipped_models("recognizer").values()]
    router = args.router or shipped_models("region_classifier").get("region")
    readers = {"scores": Reader(region="auto", recognizer=recs, crops=True, router=False),
               "router": Reader(region="auto", recognizer=recs, crops=True, router=router, route_weighting=False),
               "router, weighted": Reader(region="auto", recognizer=recs, crops=True, router=router)}
    report = {}
    print("| set | n | method | right region | exact | unread |\n|---|---|---|---|---|---|")
    for name, region, crops, texts in sets(args.openlpr_crops):
        for method, reader in readers.items():
            right = exact = unread = 0
            for img, text in zip(crops, texts, strict=True):
                res, _ = reader.read_result(np.ascontiguousarray(img), color="rgb")
                p = res.plates[0] if res.plates else None
                right += p is not None and p.region == region
                exact += p is not None and p.text == text
                unread += p is None
            n = len(texts)
            report[f"{name}/{method}"] = {"n": n, "right_region": right / n, "exact": exact / n, "unread": unread / n}
            print(f"| {name} | {n} | {method} | {right / n * 100:.1f} % | {exact / n * 100:.1f} % | {unread / n * 100:.1f} % |")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
