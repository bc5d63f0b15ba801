"""PP-OCRv4 (rapidocr-onnxruntime) vs a platekit recognizer on the same unseen CCPD bbox crops.

Both read the axis-aligned CCPD box crop of every plate of the by-text validation split: rapidocr
gets it at its natural resolution (recognition only, no detection/classification), platekit gets it
resized to its input size. Both run with 1 thread, one crop at a time; ms are per crop.

Timing (``--timing``): ``separate`` (default) reads all crops with one reader, then all with the
other, each after 20 warm-up reads -- how each runs in production. ``interleaved`` alternates the two
readers crop by crop, as the first versions of this script did: each read then starts with the other
reader's weights in the CPU caches, which costs the small model relatively more.

    python scripts/rapidocr_baseline.py MODEL.onnx [--data ../shared/data/ccpd2019_base] [--out report.json]
"""

from __future__ import annotations

import argparse
import json
import re
import time

import cv2
import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="platekit recognizer (.onnx with sidecar, or .pt/.ckpt)")
    ap.add_argument("--data", default="../shared/data/ccpd2019_base")
    ap.add_argument("--split", default="val")
    ap.add_argument("--pad", type=float, default=0.0, help="bbox pad fraction for both readers")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--timing", choices=["separate", "interleaved"], default="separate")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    from rapidocr_onnxruntime import RapidOCR

    from platekit.core.geometry import crop_box
    from platekit.core.image import load_image
    from platekit.evaluation.metrics import cer
    from platekit.evaluation.recognizer import load_recognizer
    from platekit.train import rec_data as rd

    samples = rd.load_samples(rd.Source(args.data, split=args.split), "cn")
    if args.limit:
        samples = samples[: args.limit]
    rec = load_recognizer(args.model, threads=1)
    h, w = rec.input_size
    engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)

    crops, truth = [], []
    for s in samples:
        crops.append(crop_box(load_image(s.image_path), s.box, None, args.pad))  # natural resolution
        truth.append(s.text)

    def ocr(crop):
        res, _ = engine(cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), use_det=False, use_cls=False, use_rec=True)
        raw = res[0][0] if res else ""
        return re.sub(r"[^0-9A-Z\u4e00-\u9fff]", "", raw.upper())

    def platekit(crop):  # resize + ONNX + format-constrained decoding
        x = cv2.resize(crop, (w, h), interpolation=cv2.INTER_LINEAR)[None]
        texts, _ = rec.decode(rec.probs(x, batch=1), constrained=True)
        return texts[0]

    def timed(fn, crop):
        t0 = time.perf_counter()
        out = fn(crop)
        return out, (time.perf_counter() - t0) * 1000

    if args.timing == "separate":
        for fn in (ocr, platekit):
            for c in crops[:20]:
                fn(c)
        ocr_runs = [timed(ocr, c) for c in crops]
        pk_runs = [timed(platekit, c) for c in crops]
    else:
        ocr_runs, pk_runs = [], []
        for c in crops:
            ocr_runs.append(timed(ocr, c))
            pk_runs.append(timed(platekit, c))
    ocr_texts, ocr_ms = zip(*ocr_runs, strict=True)
    pk_texts, pk_ms = zip(*pk_runs, strict=True)

    def summary(preds, ms):
        acc = float(np.mean([p == t for p, t in zip(preds, truth, strict=True)]))
        return {"plate_acc": acc, "cer": cer(preds, truth), "ms_per_crop_median": float(np.median(ms)),
                "ms_per_crop_mean": float(np.mean(ms)), "errors": [(t, p) for p, t in zip(preds, truth, strict=True) if p != t][:30]}

    rep = {"n": len(truth), "data": args.data, "split": args.split, "crop": f"bbox pad {args.pad}", "timing": args.timing,
           "rapidocr_ppocrv4": summary(ocr_texts, ocr_ms), "platekit": {"model": args.model, **summary(pk_texts, pk_ms)}}
    rep["speedup_median"] = rep["rapidocr_ppocrv4"]["ms_per_crop_median"] / rep["platekit"]["ms_per_crop_median"]
    txt = json.dumps(rep, indent=2, ensure_ascii=False)
    print(txt)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(txt)


if __name__ == "__main__":
    main()
