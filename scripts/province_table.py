"""Per-province accuracy of a Chinese reader on synthetic plates (issue 14: "provinces without bias").

Draws hard synthetic plates (blue, green, yellow: the types the cn reader's alphabet holds), groups them by
their province, and reads them as the Reader does (greedy CTC / constrained slots). Per province: exact plate,
first character right, and how often the first character came back as 皖 (CCPD's prior) or as another
province. The real per-province rows come from ``platekit eval reader`` (its "Per first character" table).

    python scripts/province_table.py src/platekit/weights/rec_cn.onnx [other.onnx ...] [--n 6200] [--difficulty 0.6]
"""

from __future__ import annotations

import argparse
import collections
import json

import numpy as np

from platekit.core.formats import CN_PROVINCES
from platekit.inference.recognizer import OnnxRecognizer
from platekit.synth.generator import PlateSynth


def count(stats: dict[str, collections.Counter], texts: list[str], readings) -> None:
    """Add one batch of (true text, reading) to the per-province counters."""
    for t, r in zip(texts, readings, strict=True):
        c = stats.setdefault(t[0], collections.Counter())
        got = r.text[:1]
        c["n"] += 1
        c["exact"] += r.text == t
        c["first"] += got == t[0]
        c["as_wan"] += got == "皖" and t[0] != "皖"
        c["as_other"] += got != t[0] and got != "皖" and got in CN_PROVINCES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", help="cn recognizer .onnx files (sidecars next to them)")
    ap.add_argument("--n", type=int, default=6200, help="synthetic plates (about n / 31 per province)")
    ap.add_argument("--difficulty", type=float, default=0.6)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    report = {}
    for path in a.models:
        rec = OnnxRecognizer(path)
        h, w = rec.input_size
        gen = PlateSynth(("cn-blue", "cn-green", "cn-yellow"), (w, h), a.difficulty, a.seed, weights=(0.7, 0.15, 0.15),
                         crop_margin=rec.crop_margin)
        rng = np.random.default_rng(a.seed)
        stats: dict[str, collections.Counter] = {p: collections.Counter() for p in CN_PROVINCES}
        samples = [gen.sample(rng)[:2] for _ in range(a.n)]
        for i in range(0, len(samples), 64):
            chunk = samples[i : i + 64]
            count(stats, [t for _, t in chunk], rec.read([img for img, _ in chunk]))
        report[path] = {p: dict(c) for p, c in stats.items()}
        tot = sum((c for c in stats.values()), collections.Counter())
        non = sum((c for p, c in stats.items() if p != "皖"), collections.Counter())
        print(f"\n{path}: synthetic cn plates, difficulty {a.difficulty}, seed {a.seed}")
        print("| province | n | exact | first character right | first read as 皖 | first read as another province |")
        print("|---|---|---|---|---|---|")
        drawn = {p: c for p, c in stats.items() if c["n"]}  # (a province no plate was drawn for has no row)
        for p, c in sorted(drawn.items(), key=lambda kv: kv[1]["first"] / kv[1]["n"]):
            n = max(1, c["n"])
            print(f"| {p} | {c['n']} | {c['exact'] / n:.1%} | {c['first'] / n:.1%} | {c['as_wan'] / n:.1%} | "
                  f"{c['as_other'] / n:.1%} |")
        for name, c in (("all", tot), ("all but 皖", non)):
            n = max(1, c["n"])
            print(f"| **{name}** | {c['n']} | {c['exact'] / n:.1%} | {c['first'] / n:.1%} | {c['as_wan'] / n:.1%} | "
                  f"{c['as_other'] / n:.1%} |")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
