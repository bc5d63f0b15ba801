"""Two or more Reader set-ups on the same images in one run: exact, end-to-end ms and each stage.

Every reader reads every image in turn (interleaved image by image, so all see the same machine load),
1 thread each. Per reader: exact at the Reader's threshold (``platekit eval reader``'s scoring), the
median whole time per image (decode + detect + route + rectify + read), the median of each stage, and
the speed against the first reader. A reader is ``NAME=KEY:VALUE,...`` with the keys of ``Reader``
(region, detector, recognizer, ...); a bare ``NAME`` is ``Reader(region=NAME)``.

    # does --region auto cost a Chinese user accuracy or time? (issue 16)
    python scripts/compare_readers.py ../shared/data/ccpd2019_base --split val cn auto
    # crop mode read once vs with the second look (refine_crops; crops read by the Russian reader)
    python scripts/compare_readers.py runs/s16/ru_issue_val_d07 --limit 300 \
        once=region:ru,crops:true,refine_crops:false refine=region:ru,crops:true
    # two detectors end to end (the speed ratio of issue 19)
    python scripts/compare_readers.py ../shared/data/ccpd2019_base --split val \
        v2=detector:src/platekit/weights/detector.onnx v4=detector:runs/det/v4_fast/detector.onnx
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from platekit.errors import PlatekitError
from platekit.evaluation import reader as E  # noqa: N812
from platekit.evaluation.bench import machine, machine_line
from platekit.inference.reader import Reader

TEXT_KEYS = ("region", "detector", "recognizer", "color")  # always text (a path may look like a number)


def _value(key: str, val: str):
    """``true``/``false``/``none`` as such, integers (threads:2) as int, other numbers as float, else text."""
    if key in TEXT_KEYS:
        return val
    low = val.strip().lower()
    if low in ("true", "false", "none"):
        return {"true": True, "false": False, "none": None}[low]
    for conv in (int, float):
        try:
            return conv(val)
        except ValueError:
            pass
    return val


def parse_reader(spec: str) -> tuple[str, dict]:
    """``v4=detector:x.onnx,region:cn`` -> ("v4", {"detector": "x.onnx", "region": "cn"}); ``auto`` -> region auto.

    A value runs to the next comma (a path may hold ':'); ``threads:2`` is an int, ``min_confidence:0.6`` a
    float, ``route_weighting:false`` / ``router:false`` a bool, ``verify_low:none`` None."""
    name, _, rest = spec.partition("=")
    if not name:
        raise SystemExit(f"reader {spec!r}: give a NAME before '='")
    if not rest:
        return name, {"region": name}
    kw = {}
    for part in rest.split(","):
        key, sep, val = part.partition(":")
        if not sep or not key:
            raise SystemExit(f"reader {spec!r}: expected KEY:VALUE, got {part!r}")
        kw[key] = _value(key, val)
    return name, kw


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="labelled images (platekit eval reader's inputs: CCPD folder, labels.csv folder)")
    ap.add_argument("readers", nargs="+", help="NAME=KEY:VALUE,... or a region name (the first is the reference)")
    ap.add_argument("--split", default="all", help="all | train | val (CCPD's by-text split)")
    ap.add_argument("--region", default="cn", help="region of readers that do not name one")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    items = E.load_items(a.data, a.split)[: a.limit or None]
    if not items:
        raise SystemExit(f"{a.data}: no labelled images (split {a.split}, limit {a.limit})")
    readers = {}
    for spec in a.readers:
        name, kw = parse_reader(spec)
        if name in readers:
            raise SystemExit(f"reader name {name!r} given twice: name each set-up, e.g. a={spec}")
        try:
            readers[name] = Reader(**{"region": a.region, "threads": 1, **kw})
        except (TypeError, PlatekitError) as e:  # an unknown key or a bad value: say which reader
            raise SystemExit(f"reader {spec!r}: {e}") from None
    for r in readers.values():  # warm-up
        r.read_result(items[0].path)
    exact = {n: 0 for n in readers}
    total: dict[str, list[float]] = {n: [] for n in readers}
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
    keys = list(dict.fromkeys(k for st in stages.values() for k in st))
    print(f"{a.data} ({a.split}, {len(items)} images, 1 thread)\nCPU: {machine_line(machine())}\n")
    # the mean too: a cost paid by few images (re-reads of unsure plates) moves the mean, not the median
    print("| reader | exact | ms p50 end to end | ms mean end to end | speed vs first | "
          + " | ".join(f"{k} p50" for k in keys) + " |")
    print("|---|---|---|---|---|" + "---|" * len(keys))
    report = {}
    for n in readers:
        med, mean = float(np.median(total[n])), float(np.mean(total[n]))
        st = {k: float(np.median(v)) for k, v in stages[n].items()}
        report[n] = {"exact": exact[n], "n": len(items), "ms_p50": med, "ms_mean": mean, "stages_p50": st,
                     "stages_mean": {k: float(np.mean(v)) for k, v in stages[n].items()}}
        print(f"| {n} | {exact[n] / len(items) * 100:.2f} % ({exact[n]}/{len(items)}) | {med:.1f} | {mean:.1f} | "
              f"{ref / med:.2f}x | " + " | ".join(f"{st[k]:.1f}" if k in st else "" for k in keys) + " |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
