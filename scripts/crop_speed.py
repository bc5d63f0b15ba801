"""Crop-mode read time per crop, readers interleaved crop by crop (1 thread): the read stage of
``Reader(crops=True)`` without the image decode, median and mean, so the cost of the crop-mode second look
(``refine_crops``) and of a recognizer can be compared in one run.

    PYTHONPATH=src python scripts/crop_speed.py runs/s16/ru_issue_val_d07 --region ru \
        once=src/platekit/weights/rec_ru.onnx:once refine=src/platekit/weights/rec_ru.onnx:refine
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from platekit.evaluation import reader as E  # noqa: N812
from platekit.inference.reader import Reader

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("data", help="labelled crops (a folder with labels.csv)")
ap.add_argument("readers", nargs="+", help="NAME=MODEL.onnx[:once|:refine] (default refine)")
ap.add_argument("--region", default="ru")
ap.add_argument("--n", type=int, default=300, help="first N crops")
a = ap.parse_args()
readers = {}
for spec in a.readers:
    name, _, rest = spec.partition("=")
    path, _, mode = rest.partition(":")
    readers[name] = Reader(a.region, crops=True, recognizer=path, refine_crops=mode != "once")
items = E.load_items(a.data, "all")[: a.n]
first = next(iter(readers.values()))
pixels = [first.pixels(it.path) for it in items]
for px in pixels[:20]:  # warm-up
    for r in readers.values():
        r._process(px, None)
ms: dict[str, list[float]] = {k: [] for k in readers}
for px in pixels:
    for k, r in readers.items():
        t0 = time.perf_counter()
        r._process(px, None)
        ms[k].append((time.perf_counter() - t0) * 1e3)
for k, v in ms.items():
    print(f"{k}: median {np.median(v):.2f} ms, mean {np.mean(v):.2f} ms per crop ({len(v)} crops, read stage, no decode)")
