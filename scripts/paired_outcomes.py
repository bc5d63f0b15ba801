"""Paired comparison of two readers from their `platekit eval reader ... --out DIR` runs on the same samples.

    python scripts/paired_outcomes.py A_DIR[,A_DIR2...] B_DIR[,B_DIR2...]

Each argument is one or more eval output folders (comma-separated, e.g. the d0.5 and d0.7 own-val runs of one model);
their outcomes.jsonl are matched by image path. Prints exact for each, the crops only one reads right, and the exact
McNemar p (platekit.evaluation.metrics.paired_exact_test).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from platekit.evaluation.metrics import paired_exact_test


def outcomes(dirs: str) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for d in dirs.split(","):
        path = os.path.join(d, "outcomes.jsonl")
        if not os.path.isfile(path):
            sys.exit(f"error: {path} not found (run `platekit eval reader ... --out {d}` first)")
        with open(path, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out[r["image"]] = bool(r["exact"])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args(argv)
    a, b = outcomes(args.a), outcomes(args.b)
    if set(a) != set(b):
        sys.exit(f"error: the runs are not on the same samples ({len(set(a) ^ set(b))} images in one only)")
    keys = sorted(a)
    t = paired_exact_test([a[k] for k in keys], [b[k] for k in keys])
    print(f"n {t['n']}  A exact {sum(a.values()) / t['n']:.2%}  B exact {sum(b.values()) / t['n']:.2%}  "
          f"only A {t['only_a']}  only B {t['only_b']}  p {t['p']:.4g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
