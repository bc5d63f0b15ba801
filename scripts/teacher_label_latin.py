"""Teacher labels for the openlpr plate crops (issue 16): PP-OCRv4 (rapidocr-onnxruntime) reads each
labelled box twice, and only readings both views agree on and that look like a plate are kept.

The openlpr scenes (``../shared/data/openlpr_detection``) have plate boxes but no texts. For every box:

* view A, text detection (at most 480 px) + recognition on the box padded by 15 % / 30 % (width / height), upscaled to at
  least 96 px high: the text lines found, each with its score and height. The tallest line is the
  plate's main text; lines of the same row (centres within half its height) are joined left to right,
  a second row at least 0.7 x as tall is joined after it (two-row plates read as one text);
* view B, recognition only on the box padded by 4 % / 8 %, upscaled to at least 48 px high.

A reading is kept when, after dropping separators (space - . · : ：), both views give the same text of
4 to 9 symbols from A-Z 0-9 with at least one digit and one letter (the teacher silently drops
Hangul, so Korean plates come out as digits only), and both scores are at least ``--min-score``
(0.85). Everything else is dropped, with the reason counted in ``report.json``. A kept text that fits
no strict Latin format (core/formats.py: every slot a letter or a digit; not the US vanity, Polish and
generic patterns) but does after the usual confusions
are undone where the format wants a digit (O -> 0, I -> 1) is corrected
when exactly one such text exists (WUI9MKO -> WU19MKO, a UK plate).

``--single-view S`` (off by default) also keeps, in ``OUT/{train,val}/labels_single.csv``, the boxes whose
views disagree but whose view A alone is plate-like (the pattern above) with a score of at least S: view B
(recognition only) often loses an edge character, so the two-view rule drops many good labels. A sample of 48
such labels at S = 0.95 checked by eye had 3 wrong and 1 unclear (docs/recognizers.md, session 11).

``--rectified-view`` uses a third view, computed once into ``OUT/raw_c.jsonl`` (reused when present): view C,
recognition only on the plate rectified by platekit's shipped detector (its detections at score >= 0.2; the
one that overlaps the box best, IoU >= 0.5; its four corners with a 5 % / 10 % (width / height) margin, warped
to the corners' own aspect, clipped to 1-8, at 48 px high). With it, ``--single-view S``
keeps a label whose views A and B disagree only when view C reads view A's text (both scores >= S): two
views agree again, one of them rectified. labels_single.csv holds those. ``--platekit-view S`` (session 19) adds a fourth view, computed once into ``OUT/raw_d.jsonl``: view D, platekit's
own Latin pipeline on the scene (``Reader(region="latin")``: the shipped detector, rectification and rec_latin;
the plate that overlaps the box best, IoU >= 0.5; its text and confidence). A box whose views A and B disagree and
that no other rule kept gets a label in ``OUT/{train,val}/labels_platekit.csv`` when view D reads view A's or view
B's text (plate-like, that view's score >= ``--min-score``) with a confidence of at least S (and a box whose views
agree below ``--min-score`` when view D reads that text too): a teacher view and a
reader trained on other labels agree. ``--union DIR`` only writes
``OUT/{train,val}/labels_union.csv``: OUT's labels_single.csv and DIR's together (rules with and without view C).

Writes ``OUT/{train,val}/NNNN.png`` (the box + 6 % / 12 % margin, natural resolution) and
``OUT/{train,val}/labels.csv`` (``image_path,plate_text``, platekit's crop CSV), ``OUT/raw.jsonl``
(both views of every box) and ``OUT/report.json``. The openlpr train/val folders are kept apart:
train crops train rec_latin, val crops are its own validation.

    python scripts/teacher_label_latin.py [--data ../shared/data/openlpr_detection] [--out runs/latin_teacher]
    python scripts/teacher_label_latin.py --refilter   # re-apply the filter to OUT/raw.jsonl only
    python scripts/teacher_label_latin.py --refilter --single-view 0.95   # + view-A-only labels
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import re

import cv2
import numpy as np

from platekit.data.readers import write_csv

SEP = re.compile(r"[\s\-.·:：_]+")
PLATE = re.compile(r"^(?=.*[0-9])(?=.*[A-Z])[A-Z0-9]{4,9}$")


def clean(text: str) -> str:
    return SEP.sub("", text)


def join_lines(lines: list[dict]) -> tuple[str, float]:
    """View A's lines -> (text, min score): the tallest line, its row-mates, and a second row."""
    if not lines:
        return "", 0.0
    main = max(lines, key=lambda r: r["h"])
    rows: dict[int, list[dict]] = collections.defaultdict(list)
    for r in lines:
        if r["h"] < 0.7 * main["h"]:
            continue  # small print: state names, slogans, dealer frames, country codes
        rows[0 if abs(r["cy"] - main["cy"]) < 0.5 * main["h"] else (1 if r["cy"] > main["cy"] else -1)].append(r)
    used = [rows[k] for k in (-1, 0, 1) if rows[k]]
    text = "".join(clean(r["text"]) for row in used for r in sorted(row, key=lambda r: r["cx"]))
    return text, min(r["score"] for row in used for r in row)


_TO_DIGIT = {"O": "0", "I": "1"}  # only letter -> digit: the other way round was wrong 4 times in 5 by eye


def format_fix(text: str) -> str:
    """``text``, or the one strict-format text it becomes with O -> 0 and I -> 1 where a digit belongs."""
    from platekit.core.formats import REGIONS

    digits = set("0123456789")
    # formats whose every slot is a letter or a digit (not the permissive US vanity, Polish or generic ones)
    specific = [f for f in REGIONS["latin"].formats
                if all(set(a) <= digits or not set(a) & digits for p in f.patterns for a in p)]
    if any(f.validate(text) for f in specific):
        return text
    found = set()
    for f in specific:
        for pat in f.patterns:
            if len(pat) != len(text):
                continue
            t = "".join(_TO_DIGIT.get(c, c) if set(a) <= digits else c for c, a in zip(text, pat, strict=True))
            if t != text and f.validate(t):
                found.add(t)
    return found.pop() if len(found) == 1 else text


def verdict(a_text: str, a_score: float, b_text: str, b_score: float, min_score: float) -> str:
    """'ok' or why the reading is dropped."""
    if not a_text and not b_text:
        return "no text"
    if a_text != clean(b_text).upper() or a_text != a_text.upper() or b_text != b_text.upper():
        return "views disagree"  # lower-case letters are no plate's
    if not PLATE.match(a_text):
        return "not plate-like"
    if min(a_score, b_score) < min_score:
        return "low score"
    return "ok"


def label(args) -> None:
    from rapidocr_onnxruntime import RapidOCR

    # det at most 480 px on the long side (the default upscales every crop to 736 px on its SHORT side:
    # ~5x the time for the same lines on plate crops); no 180-degree classifier
    eng = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, det_limit_side_len=480, det_limit_type="max",
                   use_cls=False)
    rows = [json.loads(line) for line in open(os.path.join(args.data, "labels.jsonl"), encoding="utf-8")][: args.limit or None]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "raw.jsonl"), "w", encoding="utf-8") as raw:
        for n, d in enumerate(rows):
            img = cv2.imread(os.path.join(args.data, d["image"]))
            split = d["image"].split("/")[0]
            os.makedirs(os.path.join(args.out, split), exist_ok=True)
            for j, (x1, y1, x2, y2) in enumerate(d["boxes"]):
                w, h = x2 - x1, y2 - y1
                H, W = img.shape[:2]

                def cut(px, py, img=img, x1=x1, y1=y1, x2=x2, y2=y2, H=H, W=W):
                    return img[max(0, int(y1 - py)) : min(H, int(np.ceil(y2 + py))),
                               max(0, int(x1 - px)) : min(W, int(np.ceil(x2 + px)))]

                name = f"{split}/{os.path.splitext(os.path.basename(d['image']))[0]}_{j}.png"
                cv2.imwrite(os.path.join(args.out, name), cut(0.06 * w, 0.12 * h))
                a = cut(0.15 * w, 0.30 * h)
                s = max(1.0, 96 / max(1, a.shape[0]))
                a = cv2.resize(a, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
                res, _ = eng(a)
                lines = []
                for box, text, score in res or []:
                    ys, xs = [p[1] for p in box], [p[0] for p in box]
                    lines.append({"text": text, "score": float(score), "h": max(ys) - min(ys),
                                  "cy": (max(ys) + min(ys)) / 2, "cx": (max(xs) + min(xs)) / 2})
                b = cut(0.04 * w, 0.08 * h)
                s = max(1.0, 48 / max(1, b.shape[0]))
                b = cv2.resize(b, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
                rb, _ = eng(b, use_det=False, use_cls=False, use_rec=True)
                b_text, b_score = (rb[0][0], float(rb[0][1])) if rb else ("", 0.0)
                raw.write(json.dumps({"crop": name, "split": split, "box": [x1, y1, x2, y2], "lines": lines,
                                      "b_text": b_text, "b_score": b_score}, ensure_ascii=False) + "\n")
                raw.flush()
            if n % 50 == 0:
                print(f"{n}/{len(rows)} scenes", flush=True)


def scene_index(data: str) -> dict[tuple[str, str], dict]:
    """(image stem, split) -> its labels.jsonl record (the key a crop name ``SPLIT/STEM_J.png`` gives back)."""
    out = {}
    with open(os.path.join(data, "labels.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            out[os.path.splitext(os.path.basename(d["image"]))[0], d["image"].split("/")[0]] = d
    return out


def best_overlap(boxes: list, box: list) -> tuple[int, float]:
    """(index, IoU) of the box in ``boxes`` that overlaps ``box`` most; (-1, 0.0) when there is none."""
    from platekit.core.geometry import box_iou

    if not boxes:
        return -1, 0.0
    ious = box_iou(np.array(boxes, np.float64), np.array([box], np.float64))[:, 0]
    i = int(ious.argmax())
    return i, float(ious[i])


def read_view(out: str, name: str) -> dict[str, dict]:
    """A per-box view file (OUT/raw_c.jsonl, OUT/raw_d.jsonl) -> crop name -> its record."""
    with open(os.path.join(out, name), encoding="utf-8") as f:
        return {(v := json.loads(line))["crop"]: v for line in f}


def crop_source(crop: str) -> tuple[str, int]:
    """A crop name (``[SPLIT/]STEM_J.png``) -> (image stem, box index J)."""
    stem, j = os.path.splitext(os.path.basename(crop))[0].rsplit("_", 1)
    return stem, int(j)


def rectified_view(args) -> None:
    """View C for every box of OUT/raw.jsonl -> OUT/raw_c.jsonl (crop name -> text, score, detector IoU)."""
    from rapidocr_onnxruntime import RapidOCR

    from platekit.core.geometry import corner_aspect, rectify
    from platekit.inference.detector import OnnxDetector
    from platekit.inference.reader import resolve_model

    eng = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False)
    det = OnnxDetector(resolve_model("detector", "detector"), 1)
    recs = [json.loads(line) for line in open(os.path.join(args.out, "raw.jsonl"), encoding="utf-8")]
    scenes = scene_index(args.data)
    path, img, dets = None, None, []  # the scene of the previous box (a scene's boxes are consecutive)
    with open(os.path.join(args.out, "raw_c.jsonl"), "w", encoding="utf-8") as out:
        for n, r in enumerate(recs):
            scene = scenes[crop_source(r["crop"])[0], r["split"]]["image"]
            if scene != path:
                path, img = scene, cv2.imread(os.path.join(args.data, scene))
                dets = det.detect(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), threshold=0.2)
            text, score = "", 0.0
            i, iou = best_overlap([d.box for d in dets], r["box"])
            if iou >= 0.5 and dets[i].corners is not None:
                c = np.asarray(dets[i].corners, np.float32).reshape(4, 2)
                aspect = min(8.0, max(1.0, corner_aspect(c)))
                crop = rectify(img, c, (int(round(48 * aspect)), 48), margin=0.05)
                res, _ = eng(crop, use_det=False, use_cls=False, use_rec=True)
                text, score = (res[0][0], float(res[0][1])) if res else ("", 0.0)
            out.write(json.dumps({"crop": r["crop"], "c_text": text, "c_score": score, "iou": iou},
                                 ensure_ascii=False) + "\n")
            if n % 100 == 0:
                print(f"view C: {n}/{len(recs)} boxes", flush=True)


def platekit_view(args) -> None:
    """View D for every box of OUT/raw.jsonl -> OUT/raw_d.jsonl (crop name -> platekit's text, confidence, IoU)."""
    from platekit.inference.reader import Reader

    reader = Reader(region="latin", threads=1, min_confidence=0.0)
    recs = [json.loads(line) for line in open(os.path.join(args.out, "raw.jsonl"), encoding="utf-8")]
    scenes = scene_index(args.data)
    path, plates = None, []
    with open(os.path.join(args.out, "raw_d.jsonl"), "w", encoding="utf-8") as out:
        for n, r in enumerate(recs):
            scene = scenes[crop_source(r["crop"])[0], r["split"]]["image"]
            if scene != path:
                path = scene
                plates = reader.read(os.path.join(args.data, scene))
            text, conf = "", 0.0
            i, iou = best_overlap([p.box for p in plates], r["box"])
            if iou >= 0.5:
                text, conf = plates[i].text, float(plates[i].confidence)
            out.write(json.dumps({"crop": r["crop"], "d_text": text, "d_conf": conf, "iou": iou},
                                 ensure_ascii=False) + "\n")
            if n % 100 == 0:
                print(f"view D: {n}/{len(recs)} boxes", flush=True)


def refilter(args) -> None:
    recs = [json.loads(line) for line in open(os.path.join(args.out, "raw.jsonl"), encoding="utf-8")]
    view_c = read_view(args.out, "raw_c.jsonl") if args.rectified_view else None
    view_d = read_view(args.out, "raw_d.jsonl") if args.platekit_view else None
    why = collections.Counter()
    agreed: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    kept: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    single: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for r in recs:
        a_text, a_score = join_lines(r["lines"])
        v = verdict(a_text, a_score, r["b_text"], r["b_score"], args.min_score)
        why[v] += 1
        rescued = False
        if v == "views disagree" and args.single_view and a_score >= args.single_view and PLATE.match(a_text):
            c = view_c.get(r["crop"]) if view_c is not None else None
            if view_c is None or (c and clean(c["c_text"]) == a_text and c["c_score"] >= args.single_view):
                single[r["split"]].append((os.path.basename(r["crop"]), format_fix(a_text)))
                rescued = True
        if v in ("views disagree", "low score") and not rescued and view_d is not None:
            d = view_d.get(r["crop"], {})
            b_text = clean(r["b_text"])
            teacher = {t for t, s in ((a_text, a_score), (b_text, r["b_score"]))  # low score: A and B agree, below it
                       if (s >= args.min_score or v == "low score") and PLATE.match(t)}
            teacher |= {format_fix(t) for t in teacher}  # O -> 0 / I -> 1 where a digit belongs, as the labels get
            if d.get("d_text") in teacher and d["d_conf"] >= args.platekit_view:
                agreed[r["split"]].append((os.path.basename(r["crop"]), format_fix(d["d_text"])))
        if v == "ok":
            fixed = format_fix(a_text)
            why["corrected by format"] += fixed != a_text
            kept[r["split"]].append((os.path.basename(r["crop"]), fixed))
    for split in ("train", "val"):  # every split written, empty or not: no stale file of an earlier rule stays
        write_csv(os.path.join(args.out, split, "labels.csv"), kept[split])
    for split in ("train", "val") if args.single_view else ():
        write_csv(os.path.join(args.out, split, "labels_single.csv"), single[split])
    for split in ("train", "val") if view_d is not None else ():
        write_csv(os.path.join(args.out, split, "labels_platekit.csv"), agreed[split])
    report = {"boxes": len(recs), "kept": {k: len(v) for k, v in kept.items()}, "verdicts": dict(why),
              "min_score": args.min_score}
    if args.single_view:
        report["single_view"] = {"min_score": args.single_view, "kept": {k: len(v) for k, v in single.items()},
                                 "confirmed_by_view_c": view_c is not None}
    if view_d is not None:
        report["platekit_view"] = {"min_confidence": args.platekit_view,
                                   "kept": {k: len(agreed[k]) for k in ("train", "val")}}
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report, indent=1))


def union(args) -> None:
    """OUT/{train,val}/labels_union.csv: the rescued labels of OUT and of the ``--union`` folder together."""
    for split in ("train", "val"):
        rows: dict[str, str] = {}
        for root in (args.union, args.out):  # OUT's label wins where both have the crop (the same view-A text)
            path = os.path.join(root, split, "labels_single.csv")
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as f:
                    rows.update((r["image_path"], r["plate_text"]) for r in csv.DictReader(f))
        write_csv(os.path.join(args.out, split, "labels_union.csv"), sorted(rows.items()))
        print(f"{split}: {len(rows)} rescued labels -> {os.path.join(args.out, split, 'labels_union.csv')}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data/openlpr_detection")
    ap.add_argument("--out", default="runs/latin_teacher")
    ap.add_argument("--min-score", type=float, default=0.85)
    ap.add_argument("--single-view", type=float, default=0.0,
                    help="also write labels_single.csv: view A alone, plate-like, score >= this (0 = off)")
    ap.add_argument("--rectified-view", action="store_true",
                    help="use view C (rectified by the shipped detector; computed into OUT/raw_c.jsonl when absent)")
    ap.add_argument("--platekit-view", type=float, default=0.0,
                    help="also write labels_platekit.csv: view D (platekit's own Latin pipeline, computed into "
                         "OUT/raw_d.jsonl when absent) reads view A's or B's text at >= this confidence (0 = off)")
    ap.add_argument("--union", default=None,
                    help="only write OUT/*/labels_union.csv: OUT's labels_single.csv together with this folder's")
    ap.add_argument("--limit", type=int, default=0, help="first N scenes only (a quick look)")
    ap.add_argument("--refilter", action="store_true", help="only re-apply the filter to OUT/raw.jsonl")
    args = ap.parse_args()
    if args.union:
        return union(args)
    if not args.refilter:
        label(args)
    if args.rectified_view and not os.path.isfile(os.path.join(args.out, "raw_c.jsonl")):
        rectified_view(args)
    if args.platekit_view and not os.path.isfile(os.path.join(args.out, "raw_d.jsonl")):
        platekit_view(args)
    refilter(args)


if __name__ == "__main__":
    main()
