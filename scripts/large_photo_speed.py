"""A phone-size photo read with and without reduced-size JPEG decoding (issue 19; docs/reading.md ``--full-decode``).

The bundled sample scene is enlarged 3.15x into a 3024x4032 (12 MP) canvas and encoded as JPEG q90 (real photos of
that size have more detail, so their decode costs a little more); ``Reader()`` and ``Reader(reduced_decode=False)``
read it in turn, interleaved, ``--runs`` times each: median ms end to end, the stages of the last run, the text.

    python scripts/large_photo_speed.py [--runs 6]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from platekit import Reader
from platekit.evaluation.bench import machine, machine_line

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "platekit" / "samples" / "cn_sample.jpg"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=6)
    a = ap.parse_args()
    img = cv2.imread(str(SAMPLE))
    canvas = np.full((4032, 3024, 3), 100, np.uint8)
    canvas[:3654, :2268] = cv2.resize(img, (2268, 3654), interpolation=cv2.INTER_CUBIC)
    buf = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
    readers = {"reduced (default)": Reader(), "full decode": Reader(reduced_decode=False)}
    times: dict[str, list[float]] = {k: [] for k in readers}
    last = {}
    for r in readers.values():
        r.read_result(buf)  # warm
    for _ in range(a.runs):
        for k, r in readers.items():
            t0 = time.perf_counter()
            res, ms = r.read_result(buf)
            times[k].append((time.perf_counter() - t0) * 1e3)
            last[k] = (res, ms)
    print(f"CPU: {machine_line(machine())}; 1 thread; 3024x4032 JPEG, {len(buf) / 1e6:.1f} MB\n")
    print("| decoding | ms p50 end to end | decode | detect | rectify | read | text |")
    print("|---|---|---|---|---|---|---|")
    for k, (res, ms) in last.items():
        text = ", ".join(p.text for p in res.plates) or "-"
        print(f"| {k} | {np.median(times[k]):.1f} | {ms['decode']:.1f} | {ms['detect']:.1f} | {ms['rectify']:.2f} "
              f"| {ms['read']:.1f} | {text} |")


if __name__ == "__main__":
    main()
