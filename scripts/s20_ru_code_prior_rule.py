"""configs/ru_code_prior_s20.md: exact on listed-code (A) and unlisted-code (B) own-val crops, paired test on A.

Run after scripts/s20_ru_code_prior_eval.sh (outcomes in runs/s20/ev_ru_<tag>_<set>/)."""

import csv
import json
import os

from platekit.core.formats import FORMATS, RU_REGION_CODES
from platekit.evaluation.metrics import paired_exact_test

LISTED = set(RU_REGION_CODES)
SETS = ("d05", "d07")


def load(tag: str) -> dict:
    out = {}
    for d in SETS:
        with open(f"runs/s20/ev_ru_{tag}_{d}/outcomes.jsonl", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out[(d, os.path.basename(r["image"]))] = r
    return out


def main() -> None:
    fmt = {}
    for d in SETS:
        with open(f"runs/s16/ru_issue_val_{d}/labels.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                fmt[(d, os.path.basename(r["image_path"]))] = r["format"]
    off = load("off")
    keys = sorted(off)
    listed = {k: off[k]["label"][FORMATS[fmt[k]].tail_start:] in LISTED for k in keys}
    a_keys = [k for k in keys if listed[k]]
    b_keys = [k for k in keys if not listed[k]]
    print("A n", len(a_keys), "B n", len(b_keys))
    print("| decoder | A exact | B exact | all | paired on A |")
    for tag in ("off", "tp2", "tp4", "tp6"):
        o = load(tag)
        a = [o[k]["label"] == o[k]["read"] for k in a_keys]
        b = [o[k]["label"] == o[k]["read"] for k in b_keys]
        base = [off[k]["label"] == off[k]["read"] for k in a_keys]
        pt = paired_exact_test(a, base) if tag != "off" else None
        print(f"| {tag} | {100 * sum(a) / len(a):.2f} ({sum(a)}) | {100 * sum(b) / len(b):.2f} ({sum(b)}) | "
              f"{sum(a) + sum(b)} | {pt} |")


if __name__ == "__main__":
    main()
