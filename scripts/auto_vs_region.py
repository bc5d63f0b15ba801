"""Does ``--region auto`` cost a user of one region accuracy or time? Both readers in one run.

For each labelled set, ``Reader(region=R)`` and ``Reader(region="auto")`` read every image in turn
(interleaved image by image, so both see the same machine load); exact counts what each shows at the
Reader's threshold (``platekit eval reader``'s scoring), ms is the median whole time per image
(decode + detect + route + rectify + read).

    python scripts/auto_vs_region.py ../shared/data/ccpd2019_base:val:cn ../shared/data/test/cn_other_cameras::cn
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from platekit.evaluation import reader as E  # noqa: N812
from platekit.inference.reader import Reader


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", help="DATA:SPLIT:REGION (SPLIT empty = all)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    report = {}
    print("| set | region | n | exact (region) | exact (auto) | ms p50 (region) | ms p50 (auto) | auto / region time |")
    print("|---|---|---|---|---|---|---|---|")
    for spec in args.sets:
        data, split, region = spec.split(":")
        items = E.load_items(data, split or "all")
        readers = {"region": Reader(region=region), "auto": Reader(region="auto")}
        res = {k: [] for k in readers}
        ms = {k: [] for k in readers}
        for it in items:
            for k, r in readers.items():
                t = time.perf_counter()
                out, _ = r.read_result(it.path, min_confidence=0.0)
                ms[k].append((time.perf_counter() - t) * 1e3)
                res[k].append(E.score(it, out.plates, ms[k][-1], r.min_confidence).exact)
        n = len(items)
        row = {k: {"exact": sum(v) / n, "exact_count": sum(v), "ms_p50": float(np.median(ms[k]))} for k, v in res.items()}
        report[spec] = row
        a, b = row["region"], row["auto"]
        print(f"| {data} {split} | {region} | {n} | {a['exact'] * 100:.2f} % ({a['exact_count']}) | "
              f"{b['exact'] * 100:.2f} % ({b['exact_count']}) | {a['ms_p50']:.1f} | {b['ms_p50']:.1f} | "
              f"{b['ms_p50'] / a['ms_p50']:.2f}x |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
