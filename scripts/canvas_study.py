"""A smaller first-look canvas for the shipped detector, with its second look (issue 19, session 18): on our own val
sets, plates found, extra detections, plates found by width and the detect time of each first-look canvas, the
sidecar's ``retry_empty`` look following whenever the first look finds nothing. Never the test sets.

    python scripts/canvas_study.py [--detector src/platekit/weights/detector.onnx] [--sizes 256,320,384] \
        [--set NAME=PATH ...] [--no-retry]

Sets as scripts/retry_study.py (openlpr val, close-up val, on-plates val, CCPD val). Sizes are the long side of the
canvas (the image's letterbox is the smallest stride multiple around it, as the Reader feeds the graph). Times: the
detect call(s) per image, every size run on each image in turn (interleaved), medians and means over all sets.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from retry_study import SETS, found  # noqa: E402  (scripts/ is on sys.path when run as a script)

from platekit.cli.eval_detector import load_eval_records
from platekit.core.image import load_image
from platekit.inference.detector import OnnxDetector

BINS = ((0.0, 0.05, "<5%"), (0.05, 0.10, "5-10%"), (0.10, 0.20, "10-20%"), (0.20, 9.0, ">=20%"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--detector", default="src/platekit/weights/detector.onnx")
    ap.add_argument("--sizes", default="256,288,320,352,384")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=PATH", help="replaces the default sets")
    ap.add_argument("--no-retry", action="store_true", help="first look only")
    ap.add_argument("--limit", type=int, default=0, help="images per set (0: all)")
    a = ap.parse_args(argv)
    sets = dict(s.split("=", 1) for s in a.set) if a.set else SETS
    det = OnnxDetector(a.detector)
    if det.stride is None:
        raise SystemExit("error: a fixed-size detector graph has one canvas (re-export with dynamic_hw)")
    sizes = [int(s) for s in a.sizes.split(",")]
    ms: dict[int, list[float]] = {s: [] for s in sizes}
    print(f"detector {a.detector}, threshold {det.score_threshold}, retry "
          f"{'off' if a.no_retry else f'{det.retry_size} @ {det.retry_threshold}'}")
    head = "| set | plates | " + " | ".join(f"{s}: found / extra / retried" for s in sizes) + " |"
    rows, bin_rows = [head, "|---|---|" + "---|" * len(sizes)], []
    for name, path in sets.items():
        if not os.path.exists(path):
            print(f"(skipped {name}: {path} not found)")
            continue
        recs = load_eval_records(path, "val") or load_eval_records(path, "all")
        if a.limit:
            recs = recs[: a.limit]
        res = {s: [0, 0, 0] for s in sizes}
        bins = {s: np.zeros((len(BINS), 2), int) for s in sizes}
        plates = 0
        for r in recs:
            img = load_image(r["path"])
            gt = np.asarray(r["boxes"], np.float32).reshape(-1, 4)
            wfrac = (gt[:, 2] - gt[:, 0]) / img.shape[1]
            plates += len(gt)
            for s in sizes:
                t = time.perf_counter()
                d, scale = det.raw(img, min_score=det.score_threshold, size=(s, s))
                dets = det.postprocess(d, scale, img.shape)
                retried = not dets and not a.no_retry
                if retried:
                    dets = det.detect_retry(img)
                ms[s].append((time.perf_counter() - t) * 1e3)
                f = found(dets, gt)
                res[s][0] += int(f.sum())
                res[s][1] += len(dets) - int(f.sum())
                res[s][2] += retried
                for i, (lo, hi, _) in enumerate(BINS):
                    m = (wfrac >= lo) & (wfrac < hi)
                    bins[s][i] += (int(f[m].sum()), int(m.sum()))
        rows.append(f"| {name} | {plates} | " + " | ".join(f"{res[s][0]} / {res[s][1]} / {res[s][2]}" for s in sizes) + " |")
        for i, (_, _, lab) in enumerate(BINS):
            if bins[sizes[0]][i][1]:
                bin_rows.append(f"| {name} {lab} | {bins[sizes[0]][i][1]} | " +
                                " | ".join(str(bins[s][i][0]) for s in sizes) + " |")
        print(rows[-1], flush=True)
    print("\n".join(rows))
    print("\n| set, plate width | plates | " + " | ".join(f"{s} found" for s in sizes) + " |")
    print("|---|---|" + "---|" * len(sizes))
    print("\n".join(bin_rows))
    ref = sizes[-1]
    print("\n| canvas | detect ms p50 | mean | speed vs " + str(ref) + " (p50 / mean) |\n|---|---|---|---|")
    for s in sizes:
        print(f"| {s} | {np.median(ms[s]):.2f} | {np.mean(ms[s]):.2f} | "
              f"{np.median(ms[ref]) / np.median(ms[s]):.2f}x / {np.mean(ms[ref]) / np.mean(ms[s]):.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
