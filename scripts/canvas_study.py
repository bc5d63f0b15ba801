"""A smaller first-look canvas for the shipped detector, with a second look (issue 19, session 18): on our own val
sets, plates found, extra detections, plates found by width, how often the second look runs and the detect time,
for each first-look canvas x when to look again x the second look's canvas. Never the test sets.

    python scripts/canvas_study.py [--detector src/platekit/weights/detector.onnx] [--sizes 256,320,384] \
        [--retry-below 0.5,0.8] [--retry 640@0.6,384@0.5] [--set NAME=PATH ...]

A policy ``S r R``: look on the S canvas (S the long side; the letterbox is the smallest stride multiple around the
image, as the Reader feeds the graph, but from a full-resolution decode: the Reader's first look sees a large JPEG
decoded at 1/2-1/8) at the first look's threshold (``--threshold``, default the sidecar's); when no plate scores >= r
(default r = that threshold: when nothing was found, as the Reader does), look again on canvas R at its threshold and
keep that look's plates when it finds any; ``R1@t1+R2@t2``: a chain of looks, each only when the ones before found
nothing (a look repeating the first one is skipped, as ``OnnxDetector`` does). Sets as scripts/retry_study.py
(openlpr val, close-up val, on-plates val, CCPD val). Time per image: the first look plus the later ones where they
run, each look timed once per image (medians / means over all sets).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from retry_study import SETS, found, val_images  # scripts/ is on sys.path when run as a script

from platekit.inference.detector import OnnxDetector

BINS = ((0.0, 0.05, "<5%"), (0.05, 0.10, "5-10%"), (0.10, 0.20, "10-20%"), (0.20, 9.0, ">=20%"))


def look(det: OnnxDetector, img: np.ndarray, size: int, thr: float) -> tuple[list, float]:
    t = time.perf_counter()
    dets = det.detect(img, thr, (size, size))
    return dets, (time.perf_counter() - t) * 1e3


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--detector", default="src/platekit/weights/detector.onnx")
    ap.add_argument("--sizes", default="256,288,320,352,384")
    ap.add_argument("--retry-below", default=None,
                    help="comma-separated r values (default: the first look's threshold, i.e. when nothing was found, "
                         "as the Reader does)")
    ap.add_argument("--retry", default="640@0.6", help="second-look canvases SIZE@THRESHOLD, comma-separated")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=PATH", help="replaces the default sets")
    ap.add_argument("--limit", type=int, default=0, help="images per set (0: all)")
    ap.add_argument("--threshold", type=float, default=None, help="the first look's threshold (default: the sidecar's)")
    a = ap.parse_args(argv)
    sets = dict(s.split("=", 1) for s in a.set) if a.set else SETS
    det = OnnxDetector(a.detector, score_threshold=a.threshold)
    if det.stride is None:
        raise SystemExit("error: a fixed-size detector graph has one canvas (re-export with dynamic_hw)")
    thr0 = det.score_threshold
    sizes = [int(s) for s in a.sizes.split(",")]
    belows = [float(r) for r in a.retry_below.split(",")] if a.retry_below else [thr0]
    retries = [tuple((int(y.split("@")[0]), float(y.split("@")[1])) for y in x.split("+")) for x in a.retry.split(",")]
    pols = [(s, r, rt) for s in sizes for r in belows for rt in retries]
    names = {p: f"{p[0]} <{p[1]:.2f} " + "+".join(f"{z}@{t:.2f}" for z, t in p[2]) for p in pols}
    ms: dict = {p: [] for p in pols}
    tot = {p: np.zeros(3, int) for p in pols}
    print(f"detector {a.detector}, threshold {thr0}; policy = first canvas <retry below> second canvas@threshold")
    rows, bin_rows = [], []
    for name, path in sets.items():
        if not os.path.exists(path):
            print(f"(skipped {name}: {path} not found)")
            continue
        res = {p: np.zeros(3, int) for p in pols}
        bins = {p: np.zeros((len(BINS), 2), int) for p in pols}
        plates = images = 0
        for img, gt, wfrac in val_images(path, a.limit):
            images += 1
            plates += len(gt)
            first = {s: look(det, img, s, thr0) for s in sizes}
            second: dict = {}
            for p in pols:
                s, below, rt = p
                dets, t = first[s]
                again = not any(d.confidence >= below for d in dets)
                if again:  # the looks of the chain in turn, until one finds a plate (as OnnxDetector.detect_retry,
                    # a look repeating the first one, its canvas at a threshold it already cut at, is skipped)
                    for lk in (lk for lk in rt if not (lk[0] == s and lk[1] >= thr0)):
                        if lk not in second:
                            second[lk] = look(det, img, *lk)
                        d2, t2 = second[lk]
                        t += t2
                        if d2:
                            dets = d2
                            break
                ms[p].append(t)
                f = found(dets, gt)
                res[p] += (int(f.sum()), len(dets) - int(f.sum()), int(again))
                for i, (lo, hi, _) in enumerate(BINS):
                    m = (wfrac >= lo) & (wfrac < hi)
                    bins[p][i] += (int(f[m].sum()), int(m.sum()))
        for p in pols:
            tot[p] += res[p]
            rows.append(f"| {name} | {names[p]} | {plates} | {res[p][0]} | {res[p][1]} | {res[p][2]} of {images} |")
            bin_rows.append(f"| {name} | {names[p]} | " + " | ".join(
                f"{bins[p][i][0]}/{bins[p][i][1]}" for i in range(len(BINS))) + " |")
        print(f"({name} done)", flush=True)
    print("\n| set | policy | plates | found | extra | second looks |\n|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\n| set | policy | " + " | ".join(b[2] for b in BINS) + " |\n|---|---|" + "---|" * len(BINS))
    print("\n".join(bin_rows))
    # the reference: the shipped behaviour (the sidecar's canvas, more looks only when empty, the sidecar's chain)
    shipped = (det.input_size[0], thr0, tuple((z[0], t) for z, t in det.retries)) if det.retries else None
    ref = next((p for p in pols if shipped and p[0] == shipped[0] and p[1] == thr0 and p[2] == shipped[2]), None)
    if ref is None:
        ref = pols[-1]
        print(f"(the sidecar's own policy is not among those run: speeds are against {names[ref]})")
    print(f"\n| policy | found (all sets) | extra | detect ms p50 | mean | speed vs {names[ref]} (p50 / mean) |")
    print("|---|---|---|---|---|---|")
    for p in pols:
        print(f"| {names[p]} | {tot[p][0]} | {tot[p][1]} | {np.median(ms[p]):.2f} | {np.mean(ms[p]):.2f} | "
              f"{np.median(ms[ref]) / np.median(ms[p]):.2f}x / {np.mean(ms[ref]) / np.mean(ms[p]):.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
