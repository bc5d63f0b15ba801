"""Own low-resolution validation of cn readers (issue 14): how the low-res fine-tune was chosen.

From the CCPD **val** split only (the by-text split; never the test crops), two crop sets are built
and read by the Reader in crop mode (``platekit eval reader --crops``: each crop resized to the
recognizer's 144x48):

- ``lowres``: each plate cut by its CCPD bounding box with a loose, off-centre margin (per side, seeded
  and fixed: 2..10 % of the box width left/right, 5..30 % of its height top/bottom), resized to 94x24
  with INTER_AREA -- the look of LPRNet's 94x24 crops, made from our own validation plates;
- ``normal``: the usual validation crops, rectified by the labelled corners with the model's margin
  (0.05) at 144x48 (``ccpd_val_corners`` of the training logs).

The crops are written as PNG under ``--out`` (default runs/lowres_own_val) with a labels.csv each, so
``platekit eval reader runs/lowres_own_val/lowres --crops --region cn`` reads the same files.

    PYTHONPATH=src python scripts/lowres_own_val.py                                   # the shipped reader
    PYTHONPATH=src python scripts/lowres_own_val.py --recognizer runs/rec/cn_lowres/rec_cn.onnx
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from platekit.core.geometry import rectify
from platekit.core.image import imwrite_rgb, load_image
from platekit.data.readers import write_csv
from platekit.evaluation import reader as E  # noqa: N812
from platekit.inference.reader import Reader
from platekit.train.rec_data import Source, load_samples

SEED = 14


def loose_box_crop(img: np.ndarray, box, rng: np.random.Generator) -> np.ndarray:
    """The CCPD box grown by a random margin per side, clipped to the image, resized to 94x24 (INTER_AREA)."""
    import cv2

    x1, y1, x2, y2 = (float(v) for v in box)
    bw, bh = x2 - x1, y2 - y1
    ml, mr = rng.uniform(0.02, 0.10, 2) * bw
    mt, mb = rng.uniform(0.05, 0.30, 2) * bh
    h, w = img.shape[:2]
    a, b = max(0, int(round(x1 - ml))), min(w, int(round(x2 + mr)))
    c, d = max(0, int(round(y1 - mt))), min(h, int(round(y2 + mb)))
    return cv2.resize(img[c:d, a:b], (94, 24), interpolation=cv2.INTER_AREA)


def build(data: str, out: str) -> dict[str, str]:
    """Write both crop sets (once; reused when present) -> {name: folder}."""
    dirs = {"lowres": os.path.join(out, "lowres"), "normal": os.path.join(out, "normal")}
    if all(os.path.isfile(os.path.join(d, "labels.csv")) for d in dirs.values()):
        return dirs
    samples = load_samples(Source(data, split="val"), "cn")
    rng = np.random.default_rng(SEED)
    rows = []
    for i, s in enumerate(samples):
        img = load_image(s.image_path)
        name = f"{i:04d}.png"
        imwrite_rgb(os.path.join(dirs["lowres"], name), loose_box_crop(img, s.box, rng))
        imwrite_rgb(os.path.join(dirs["normal"], name), rectify(img, np.asarray(s.corners, np.float32), (144, 48), 0.05))
        rows.append((name, s.text))
    for d in dirs.values():
        write_csv(os.path.join(d, "labels.csv"), rows)
    return dirs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recognizer", default=None, help="an .onnx recognizer (default: the shipped cn reader)")
    ap.add_argument("--data", default="../shared/data/ccpd2019_base")
    ap.add_argument("--out", default="runs/lowres_own_val")
    a = ap.parse_args()
    dirs = build(a.data, a.out)
    reader = Reader(region="cn", crops=True, recognizer=a.recognizer)
    print(f"recognizer: {a.recognizer or 'shipped rec_cn.onnx'}")
    for name, d in dirs.items():
        outs = E.run(reader, E.load_items(d))
        rep = E.summarize(outs)
        misses = [f"{o.item.text}->{o.read or '-'}" for o in outs if not o.exact]
        what = "94x24 loose box crops" if name == "lowres" else "144x48 corner crops"
        print(f"own {name} val ({what}): {rep['exact']:.2%} ({rep['exact_count']}/{rep['n']}); "
              f"misread: {' '.join(misses)}", flush=True)


if __name__ == "__main__":
    main()
