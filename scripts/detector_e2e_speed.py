"""End to end with two or more detectors in one run: the speed ratio of issue 19, image by image.

Every ``Reader(region=..., detector=...)`` reads every image in turn (interleaved, so all see the same
machine load), 1 thread; per reader: exact at the Reader's threshold (``platekit eval reader``'s scoring),
median whole time per image (decode + detect + rectify + read) and the median of each stage.

    python scripts/detector_e2e_speed.py ../shared/data/ccpd2019_base --split val \
        v2=src/platekit/weights/detector.onnx v4=runs/det/v4_fast/detector.onnx
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from platekit.evaluation import reader as E  # noqa: N812
from platekit.evaluation.bench import machine, machine_line
from platekit.inference.reader import Reader


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("detectors", nargs="+", help="name=detector.onnx (the first is the reference)")
    ap.add_argument("--split", default="val")
    ap.add_argument("--region", default="cn")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    items = E.load_items(a.data, a.split)[: a.limit or None]
    readers = {n: Reader(region=a.region, detector=p, threads=1) for n, p in (d.split("=", 1) for d in a.detectors)}
    for r in readers.values():  # warm-up
        r.read_result(items[0].path)
    exact = {n: 0 for n in readers}
    total = {n: [] for n in readers}
    stages: dict[str, dict[str, list[float]]] = {n: {} for n in readers}
    for it in items:
        for n, r in readers.items():
            t = time.perf_counter()
            out, ms = r.read_result(it.path, min_confidence=0.0)  # scored at the threshold below, as eval reader
            total[n].append((time.perf_counter() - t) * 1e3)
            exact[n] += E.score(it, out.plates, total[n][-1], r.min_confidence).exact
            for k, v in ms.items():
                stages[n].setdefault(k, []).append(v)
    ref = float(np.median(next(iter(total.values()))))
    report = {}
    print(f"{a.data} ({a.split}, {len(items)} images, region {a.region}, 1 thread)\nCPU: {machine_line(machine())}\n")
    print("| detector | exact | ms p50 end to end | speed vs first | " + " | ".join(f"{k} p50" for k in stages[next(iter(stages))]) + " |")
    print("|---|---|---|---|" + "---|" * len(stages[next(iter(stages))]))
    for n in readers:
        med = float(np.median(total[n]))
        st = {k: float(np.median(v)) for k, v in stages[n].items()}
        report[n] = {"exact": exact[n], "n": len(items), "ms_p50": med, "stages_p50": st}
        print(f"| {n} | {exact[n] / len(items) * 100:.2f} % ({exact[n]}/{len(items)}) | {med:.1f} | {ref / med:.2f}x | "
              + " | ".join(f"{v:.1f}" for v in st.values()) + " |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
