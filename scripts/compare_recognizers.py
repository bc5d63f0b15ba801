"""Compare trained recognizers the same way: a markdown table + JSON.

For every checkpoint: plate accuracy and CER on the by-text CCPD validation split (corner-rectified
crops), plate accuracy on synthetic plates whose province is not 皖, with ``--types``: on synthetic two-row yellow plates and on
the special types (learner, trailer, police, embassy, consulate, Hong Kong, Macau, emergency) at difficulty 0.5 (a
reader whose alphabet lacks a type's characters scores 0 there), params, ms per crop (batch 1, 1 thread, torch),
training minutes (from the checkpoint).

    python scripts/compare_recognizers.py RUN_DIR/best.pt [...] [--types] [--out compare.json]
"""

from __future__ import annotations

import argparse
import json

import numpy as np


def special_types() -> tuple[str, ...]:
    """The Chinese types whose patterns carry a special character (学 挂 警 使 领 港 澳 应急: core/formats.py)."""
    from platekit.core.formats import CN_SPECIAL, CN_TYPES

    return tuple(f.name for f in CN_TYPES if any(set(cs) & set(CN_SPECIAL) for p in f.patterns for cs in p))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ckpts", nargs="+")
    ap.add_argument("--data", default="../shared/data/ccpd2019_base")
    ap.add_argument("--synth-n", type=int, default=1000)
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--types", action="store_true", help="also two-row yellow and the special types (synthetic)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    from platekit.evaluation.recognizer import evaluate, load_recognizer, synthetic_set
    from platekit.train import rec_data as rd

    samples = rd.load_samples(rd.Source(args.data, split="val"), "cn")
    synth_sets: dict[tuple, tuple] = {}  # (spec, size, margin, seed) -> (crops, texts): drawn once for every model of that size

    def synth(spec: str, size: tuple[int, int], margin: float, seed: int) -> tuple:
        key = (spec, size, margin, seed)
        if key not in synth_sets:
            synth_sets[key] = synthetic_set(spec, size, margin, args.synth_n, seed, 0.5)
        return synth_sets[key]

    rows = []
    for path in args.ckpts:
        rec = load_recognizer(path, threads=1)
        meta = torch.load(path, map_location="cpu", weights_only=False)
        meta = meta.get("platekit", meta)
        h, w = rec.input_size
        x, t = rd.eval_crops(samples, (w, h), "corners", rec.crop_margin, args.cache_dir)
        real = evaluate(rec, x, t, constrained=True, speed_n=200)
        xs, ts = synth("synth:cn-blue,cn-green,cn-yellow", (w, h), rec.crop_margin, 777)
        keep = np.array([not s.startswith("皖") for s in ts])
        syn = evaluate(rec, xs[keep], [s for s, k in zip(ts, keep, strict=True) if k], constrained=True, speed_n=0)
        extra = {}
        if args.types:
            for name, spec in (("two_row", "synth:cn-yellow-2row"), ("special", "synth:" + ",".join(special_types()))):
                xs, ts = synth(spec, (w, h), rec.crop_margin, 778)
                extra[name] = evaluate(rec, xs, ts, constrained=True, speed_n=0)["plate_acc"]
        rows.append({
            **extra,
            "model": meta.get("model_name"), "ckpt": path, "ccpd_val_plate_acc": real["plate_acc"],
            "ccpd_val_cer": real["cer"], "synth_non_wan_plate_acc": syn["plate_acc"], "synth_n": syn["n"],
            "params": real["params"], "ms_per_crop_b1": real["ms_per_crop_batch1"],
            "train_minutes": meta.get("train_minutes"),
        })
    types = " two-row yellow | special types |" if args.types else ""
    print(f"| model | CCPD val plate acc | CCPD val CER | synthetic non-皖 plate acc |{types} params | ms/crop (b1, 1 thr) | train min |")
    print("|---|---|---|---|" + "---|" * (2 * args.types) + "---|---|---|")
    for r in rows:
        tm = f"{r['train_minutes']:.1f}" if r["train_minutes"] is not None else "?"
        t = f" {r['two_row']:.4f} | {r['special']:.4f} |" if args.types else ""
        print(f"| {r['model']} | {r['ccpd_val_plate_acc']:.4f} | {r['ccpd_val_cer']:.4f} | "
              f"{r['synth_non_wan_plate_acc']:.4f} (n={r['synth_n']}) |{t} {r['params'] / 1e6:.2f} M | "
              f"{r['ms_per_crop_b1']:.2f} | {tm} |")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
