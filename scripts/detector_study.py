"""Detector study (issue 19): several detector .onnx files on our own validation splits, timed in one run.

For each model: CCPD by-text val (recall / precision at the model's threshold, corner error), openlpr val
(AP50, recall / precision), recall by plate size over both, and the median milliseconds per scene
(letterbox + graph + threshold / NMS, 1 thread, the letterbox ``OnnxDetector`` uses: a dynamic-H/W graph
gets the smallest stride-32 canvas). Timing is interleaved: every scene is run by every model in turn, so
the ratios hold on a busy machine even when the absolute milliseconds do not.

    python scripts/detector_study.py v2=src/platekit/weights/detector.onnx v4=runs/det/v4_fast/detector.onnx \
        [--time-scenes 60] [--json runs/det/study.json] [--sweep 0.3,0.35,0.4,0.45,0.5]

``--sweep``: also recall / precision and recall by plate width of every model at these thresholds (each
scene detected once at 0.05, then counted at each threshold): how a threshold is chosen on our own val.

The test sets (cn_other_cameras end to end, latin_scenes boxes) are measured separately, once, with
``platekit eval reader`` / ``platekit eval detector`` (docs/detector.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from platekit.cli.eval_detector import load_eval_records
from platekit.core.image import load_image
from platekit.evaluation.bench import machine, machine_line
from platekit.evaluation.detector import DetectorRunner, ImageGT, evaluate_detector, summarize

DATA = {"ccpd_val": "../shared/data/ccpd2019_base", "openlpr_val": "../shared/data/openlpr_detection"}
BINS = ("<5%", "5-10%", "10-20%", ">=20%")


def sweep(runner: DetectorRunner, recs: list[dict], thresholds: list[float]) -> dict[str, dict]:
    """Detect every scene once (score >= 0.05, the model's NMS) -> {threshold: summarize(...)}."""
    dets, gts = [], []
    for rec in recs:
        img = load_image(rec["path"])
        dets.append(runner.detect(img, 0.05, runner.nms_iou))
        corners = np.asarray(rec["corners"], np.float32).reshape(-1, 4, 2) if rec.get("corners") else None
        gts.append(ImageGT(np.asarray(rec["boxes"], np.float32).reshape(-1, 4), corners, rec["path"], img.shape[1]))
    return {f"{t:.2f}": summarize(dets, gts, t) for t in thresholds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="+", help="name=path.onnx")
    ap.add_argument("--time-scenes", type=int, default=60, help="scenes per set in the interleaved timing")
    ap.add_argument("--limit", type=int, default=0, help="first N val scenes per set (0: all; a quick check)")
    ap.add_argument("--json", help="write every number here")
    ap.add_argument("--sweep", help="comma-separated thresholds: recall / precision / recall by size at each")
    ap.add_argument("--extra", action="append", default=[], metavar="NAME=PATH",
                    help="another own val set (detection labels.jsonl, its val/ scenes, or every scene when it has no "
                         "val/ folder), e.g. closeup=runs/det/closeup from scripts/closeup_scenes.py; repeatable")
    a = ap.parse_args()
    models = dict(m.split("=", 1) for m in a.models)
    runners = {n: DetectorRunner(p, threads=1) for n, p in models.items()}
    out: dict[str, dict] = {n: {"path": p} for n, p in models.items()}
    extra = dict(e.split("=", 1) for e in a.extra)
    sets = {**DATA, **extra}
    records = {}
    for k, v in sets.items():
        if not os.path.exists(v):
            continue
        recs = load_eval_records(v, "val")
        if not recs and k in extra:  # a val-only set (e.g. synth --scene output)
            recs = load_eval_records(v, "all")
            print(f"{k}: no val/ scenes in {v}; every scene is used (give only sets made from val data)", flush=True)
        if not recs:
            raise SystemExit(f"{k}: no labelled scenes in {v}")
        records[k] = recs[: a.limit or None]
    for name, r in runners.items():
        for k, recs in records.items():
            m = evaluate_detector(r, recs)
            out[name][k] = {key: m[key] for key in ("images", "plates", "ap50", "recall", "precision", "tp", "fp",
                                                   "fn", "corner_error_mean", "recall_by_size")}
            print(name, k, json.dumps(out[name][k]), flush=True)
    for k, recs in records.items():  # interleaved timing
        times: dict[str, list[float]] = {n: [] for n in runners}
        for rec in recs[: a.time_scenes]:
            img = load_image(rec["path"])
            for n, r in runners.items():
                r.detect(img, r.score_threshold, r.nms_iou)  # warm (caches, canvas size)
                t0 = time.perf_counter()
                r.detect(img, r.score_threshold, r.nms_iou)
                times[n].append((time.perf_counter() - t0) * 1e3)
        base = float(np.median(next(iter(times.values()))))
        for n, t in times.items():
            out[n][f"ms_{k}"] = float(np.median(t))
            print(f"{n} {k}: {np.median(t):.2f} ms median ({base / np.median(t):.2f}x the first model)", flush=True)
    print(f"\nCPU: {machine_line(machine())}; 1 thread\n")
    print("| model | CCPD val R / P | corner err | openlpr val AP50 | openlpr R / P | recall by plate width "
          "(<5% / 5-10% / 10-20% / >=20%, both sets) | ms CCPD | ms openlpr |")
    print("|---|---|---|---|---|---|---|---|")
    for n, o in out.items():
        c, op = o.get("ccpd_val", {}), o.get("openlpr_val", {})
        size = []
        for b in ("<5%", "5-10%", "10-20%", ">=20%"):
            hits = sum((s[b]["recall"] or 0) * s[b]["plates"] for s in (c.get("recall_by_size"), op.get("recall_by_size")) if s)
            tot = sum(s[b]["plates"] for s in (c.get("recall_by_size"), op.get("recall_by_size")) if s)
            size.append(f"{hits / tot:.3f} ({tot})" if tot else "-")
        print(f"| {n} | {c.get('recall', 0):.3f} / {c.get('precision', 0):.3f} | {c.get('corner_error_mean') or 0:.4f} "
              f"| {op.get('ap50', 0):.3f} | {op.get('recall', 0):.3f} / {op.get('precision', 0):.3f} | {' / '.join(size)} "
              f"| {o.get('ms_ccpd_val', 0):.1f} | {o.get('ms_openlpr_val', 0):.1f} |")
    for k in records:
        if k in DATA:
            continue
        print(f"\n| model | {k} R / P | AP50 | corner err | recall by plate width (<5% / 5-10% / 10-20% / >=20%) |")
        print("|---|---|---|---|---|")
        for n, o in out.items():
            e = o[k]
            size = " / ".join(f"{(e['recall_by_size'][b]['recall'] or 0):.3f} ({e['recall_by_size'][b]['plates']})"
                              if e["recall_by_size"][b]["plates"] else "-" for b in BINS)
            print(f"| {n} | {e['recall']:.3f} / {e['precision']:.3f} | {e['ap50']:.3f} | "
                  f"{e['corner_error_mean'] or 0:.4f} | {size} |")
    if a.sweep:
        ts = [float(t) for t in a.sweep.split(",")]
        extra = [k for k in records if k not in DATA]
        print("\n| model | threshold | CCPD val R / P | openlpr val R / P (TP / FP) | recall by plate width "
              "(<5% / 5-10% / 10-20% / >=20%, both sets) |" + "".join(f" {k} R / P |" for k in extra))
        print("|---|---|---|---|---|" + "---|" * len(extra))
        for name, r in runners.items():
            sw = {k: sweep(r, recs, ts) for k, recs in records.items()}
            out[name]["sweep"] = {k: {t: {key: m[key] for key in ("recall", "precision", "tp", "fp", "fn",
                                                                 "recall_by_size")} for t, m in v.items()}
                                  for k, v in sw.items()}
            for t in sw[next(iter(sw))]:
                c, op = sw.get("ccpd_val", {}).get(t, {}), sw.get("openlpr_val", {}).get(t, {})
                size = []
                for b in BINS:
                    hits = sum(round((m["recall_by_size"][b]["recall"] or 0) * m["recall_by_size"][b]["plates"])
                               for m in (c, op) if m)
                    tot = sum(m["recall_by_size"][b]["plates"] for m in (c, op) if m)
                    size.append(f"{hits}/{tot}" if tot else "-")
                print(f"| {name} | {t} | {c.get('recall', 0):.3f} / {c.get('precision', 0):.3f} "
                      f"| {op.get('recall', 0):.3f} / {op.get('precision', 0):.3f} ({op.get('tp', 0)} / {op.get('fp', 0)}) "
                      f"| {' / '.join(size)} |"
                      + "".join(f" {sw[k][t]['recall']:.3f} / {sw[k][t]['precision']:.3f} |" for k in extra), flush=True)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
