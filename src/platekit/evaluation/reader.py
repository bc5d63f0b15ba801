"""End-to-end evaluation of the Reader on any labelled scene or crop set (``platekit eval reader``).

What a user gets from ``platekit read``, scored against labels: exact-plate accuracy and CER of the
readings shown (at or above the reader's min_confidence), accuracy at fixed coverages (the most confident
readings kept, ranked over every detected plate whatever the threshold), detection recall where the labels
have boxes (every detection counts, read or not), extra plates shown per image, breakdowns per group (the CSV's ``region`` column, else the plate format) and per first
character (province), the most common character confusions, and an error gallery.

Data layouts (``load_items``):
- a CCPD folder (labels in the file names; ``split`` picks the project's by-text val/train half);
- a folder with ``labels.csv`` (``image_path,plate_text[,region]``) and optionally ``boxes.jsonl``
  (detection-JSONL, one labelled plate per image): without boxes a scene counts as read when any plate
  read on it equals the label;
- anything else ``data.readers.load_plates`` reads (crop folders, Nomeroff, a CSV file).

onnxruntime + numpy + OpenCV only: no torch.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from platekit.core.formats import guess_format
from platekit.core.geometry import box_iou
from platekit.data import readers as R  # noqa: N812
from platekit.data.split import split_by_text
from platekit.errors import PlatekitError
from platekit.evaluation import metrics as M  # noqa: N812

COVERAGES = (0.8, 0.9, 0.95)


@dataclass(frozen=True)
class Item:
    """One labelled plate on one image."""

    path: str
    text: str
    box: tuple[float, float, float, float] | None = None  # x1, y1, x2, y2 (None: unknown)
    group: str | None = None  # e.g. the CSV's region column (eu / us / br)


@dataclass(frozen=True)
class Outcome:
    """What the reader did with one item.

    ``exact`` scores what a user is shown (readings at or above the reader's min_confidence); detection
    and the coverage ranking look at every plate the detector found, whatever its reading's confidence.
    """

    item: Item
    read: str  # the shown reading scored against the label ("" when none is shown)
    confidence: float  # the best candidate's confidence, shown or not (0 when nothing was detected)
    exact: bool  # a shown reading equals the label
    candidate_exact: bool  # the best candidate equals the label, whatever its confidence (coverage curves)
    detected: bool | None  # None: the labels have no box
    extra: int  # shown plates away from the labelled one
    plates: tuple[str, ...]  # every text shown on the image
    ms: float
    error: str | None = None


def _csv_groups(csv_path: str) -> dict[str, str]:
    """image_path -> region column (when the CSV has one)."""
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {r["image_path"].strip(): r["region"].strip() for r in rows if r.get("region")}


def _boxes(jsonl: str) -> dict[str, tuple]:
    """image file name -> its first labelled box, from a detection JSONL."""
    return {os.path.basename(s.image_path): s.boxes[0] for s in R.read_detection_jsonl(jsonl) if s.boxes}


def load_items(data: str, split: str = "all", val_fraction: float = 0.2) -> list[Item]:
    """Labelled plates of ``data`` (see the module doc). ``split``: all | val | train (by plate text)."""
    data = os.fspath(data)
    if split not in ("all", "val", "train"):
        raise PlatekitError(f"--split {split!r}: use all, val or train")
    if not os.path.exists(data):
        raise PlatekitError(f"{data}: no such file or directory")
    labels = os.path.join(data, "labels.csv")
    if os.path.isdir(data) and os.path.isfile(labels):
        groups = _csv_groups(labels)
        bj = os.path.join(data, "boxes.jsonl")
        boxes = _boxes(bj) if os.path.isfile(bj) else {}
        items = [Item(s.image_path, s.text, boxes.get(os.path.basename(s.image_path)),
                      groups.get(os.path.relpath(s.image_path, data)))
                 for s in R.read_csv(labels)]
    else:
        items = [Item(s.image_path, s.text, s.box) for s in R.load_plates(data)]
    if split != "all":
        train, val = split_by_text(items, val_fraction)
        items = val if split == "val" else train
    if not items:
        raise PlatekitError(f"{data}: no labelled plates (split {split})")
    return items


def _found(box, boxes, iou_thr: float) -> bool:
    return bool(len(boxes)) and float(box_iou(np.array(boxes, np.float64), np.array([box], np.float64)).max()) >= iou_thr


def score(item: Item, plates, ms: float, min_confidence: float = 0.0, iou_thr: float = 0.5,
          unread_boxes=()) -> Outcome:
    """Score every plate found on one image (unthresholded) against its label. ``unread_boxes``: plates
    the detector found but the Reader did not read (``ImageResult.unread_boxes``): they count as detected."""
    shown = tuple(p.text for p in plates if p.confidence >= min_confidence)
    if not plates:  # nothing read: "detected" unless no unread box is at the label (None without a box)
        det = None if item.box is None else _found(item.box, unread_boxes, iou_thr)
        return Outcome(item, "", 0.0, False, False, det, 0, shown, ms)
    if item.box is not None:  # the plate at the labelled box is the one scored
        iou = box_iou(np.array([p.box for p in plates], np.float64), np.array([item.box], np.float64))[:, 0]
        i = int(iou.argmax())
        extra = sum(1 for p, v in zip(plates, iou, strict=True) if v < iou_thr and p.confidence >= min_confidence)
        if iou[i] < iou_thr:
            return Outcome(item, "", 0.0, False, False, _found(item.box, unread_boxes, iou_thr), extra, shown, ms)
        p = plates[i]
        ok, visible = p.text == item.text, p.confidence >= min_confidence
        return Outcome(item, p.text if visible else "", float(p.confidence), ok and visible, ok, True, extra, shown, ms)
    # no box: a shown plate equal to the label counts; otherwise the most confident one is scored
    hits = [p for p in plates if p.text == item.text]
    p = max(hits or plates, key=lambda q: q.confidence)
    visible = p.confidence >= min_confidence
    return Outcome(item, p.text if visible else "", float(p.confidence), bool(hits) and visible, bool(hits), None,
                   len(shown) - (1 if visible else 0), shown, ms)


def run(reader, items: list[Item], progress=None) -> list[Outcome]:
    """Read every item's image once; an unreadable image is an outcome with its error (never raises).

    The reader is asked for every plate it finds (min_confidence 0); its own threshold is applied here."""
    threshold = float(getattr(reader, "min_confidence", 0.0))
    out = []
    for it in items:
        t = time.perf_counter()
        try:
            res, _ = reader.read_result(it.path, min_confidence=0.0)
        except Exception as e:  # noqa: BLE001 -- an unreadable file is a scored miss, not a crash
            out.append(Outcome(it, "", 0.0, False, False, False if it.box is not None else None, 0, (),
                               (time.perf_counter() - t) * 1e3, f"{type(e).__name__}: {e}"))
        else:
            out.append(score(it, res.plates, res.ms, threshold, unread_boxes=getattr(res, "unread_boxes", ())))
        if progress is not None:
            progress()
    return out


def rapidocr_hits(samples, threads: int = 1, region: str | None = None,
                  before=None) -> tuple[list[bool], list[float]] | None:
    """The generic-OCR baseline: RapidOCR (PP-OCRv4 det + cls + rec, dev extra) reads each whole image
    (``sample.path``, after one warm-up read); a sample is a hit when any text line, normalised for
    ``region`` (separators dropped), equals ``sample.text``. -> (hits, ms per image incl. decoding), or
    None when rapidocr-onnxruntime is not installed. A file RapidOCR cannot read is a miss for it.
    ``before(sample)``, when given, runs right before RapidOCR reads each image (and is not timed here): the
    caller times its own system there, interleaved image by image, so both see the same machine load."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ModuleNotFoundError:
        return None
    from platekit.core.formats import normalize_text

    engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)
    if samples:
        engine(samples[0].path)
    ts, hits = [], []
    for sm in samples:
        if before is not None:
            before(sm)
        t = time.perf_counter()
        try:
            result, _ = engine(sm.path)
        except Exception:  # noqa: BLE001
            result = None
        ts.append((time.perf_counter() - t) * 1e3)
        hits.append(any(normalize_text(x[1], region) == sm.text for x in (result or [])))
    return hits, ts


def timed_reads(reader, judge=None) -> tuple:
    """A ``rapidocr_hits`` ``before`` hook that times ``reader.read_result`` on each sample -> (hook, ms, hits).

    ``judge(result, sample) -> bool`` fills ``hits``; an image the reader cannot read is timed and a miss."""
    ms: list[float] = []
    hits: list[bool] = []

    def before(sample) -> None:
        t = time.perf_counter()
        try:
            res, _ = reader.read_result(sample.path)
            ok = judge(res, sample) if judge is not None else False
        except Exception:  # noqa: BLE001 -- a miss, as for RapidOCR
            ok = False
        ms.append((time.perf_counter() - t) * 1e3)
        hits.append(ok)

    return before, ms, hits


def run_rapidocr(items: list[Item], threads: int = 1, reader=None) -> dict | None:
    """``rapidocr_hits`` on the same images as platekit, summarised overall and per group (no boxes needed).

    With ``reader``, platekit reads each image again right before RapidOCR does (interleaved image by image), and
    its median time from that pass is ``ours_ms_p50``: the speed ratio is then taken under the same machine load."""
    ours, ours_ms, _ = timed_reads(reader) if reader is not None else (None, [], [])  # accuracy: the main pass's
    res = rapidocr_hits(items, threads, before=ours)
    if res is None:
        return None
    hits, ts = res
    groups: dict[str, list[bool]] = defaultdict(list)
    for it, h in zip(items, hits, strict=True):
        groups[it.group or "all"].append(h)

    def acc(v: list[bool]) -> dict:
        return {"n": len(v), "exact": sum(v) / len(v), "exact_count": sum(v)}

    extra = {"ours_ms_p50": float(np.median(ours_ms)), "interleaved": True} if ours_ms else {}
    return {"name": "RapidOCR PP-OCRv4", "threads": threads, "ms_p50": float(np.median(ts)), **acc(hits), **extra,
            "groups": {k: acc(v) for k, v in sorted(groups.items())}}


def baseline_table(rep: dict, base: dict) -> str:
    """Markdown: platekit and the baseline on the same images, overall and per group, with median ms."""
    rows = ["| system | n | exact | " + " | ".join(base["groups"]) + " | ms per image (median) |",
            "|---|---|---|" + "---|" * len(base["groups"]) + "---|"]
    ours = " | ".join(f"{rep['groups'][g]['exact'] * 100:.1f} %" if g in rep["groups"] else "-" for g in base["groups"])
    theirs = " | ".join(f"{v['exact'] * 100:.1f} %" for v in base["groups"].values())
    ms = base.get("ours_ms_p50", rep["ms_p50"])  # the interleaved pass's time when there was one
    rows.append(f"| platekit | {rep['n']} | {rep['exact'] * 100:.2f} % | {ours} | {ms:.1f} |")
    rows.append(f"| {base['name']} (any text line, {base['threads']} thread) | {base['n']} | {base['exact'] * 100:.2f} % | "
                f"{theirs} | {base['ms_p50']:.1f} |")
    if base.get("interleaved"):
        rows.append("\n(times: platekit and RapidOCR read each image in turn, interleaved, so both saw the same load)")
    return "\n".join(rows)


def _acc(rows: list[Outcome]) -> dict:
    n = len(rows)
    ex = sum(o.exact for o in rows)
    d = {"n": n, "exact": ex / n if n else float("nan"), "exact_count": ex}
    det = [o.detected for o in rows if o.detected is not None]
    if det:
        d["detection_recall"] = sum(det) / len(det)
    return d


def _province(text: str) -> str | None:
    c = text[:1]
    return c if c and not c.isascii() else None


def summarize(outcomes: list[Outcome]) -> dict:
    """The report's numbers (JSON-serialisable)."""
    if not outcomes:
        raise PlatekitError("nothing was evaluated")
    truth = [o.item.text for o in outcomes]
    preds = [o.read for o in outcomes]
    conf = np.array([o.confidence for o in outcomes])
    correct = np.array([o.candidate_exact for o in outcomes])
    rep = _acc(outcomes)
    rep["cer"] = M.cer(preds, truth)
    rep["read_nothing"] = sum(not o.read for o in outcomes)
    rep["errors"] = sum(o.error is not None for o in outcomes)
    rep["coverage"] = {f"{c:.2f}": M.accuracy_at_coverage(conf, correct, c) for c in COVERAGES}
    rep["extra_plates_per_image"] = float(np.mean([o.extra for o in outcomes]))
    rep["ms_p50"] = float(np.median([o.ms for o in outcomes]))
    by_group, by_prov = defaultdict(list), defaultdict(list)
    for o in outcomes:
        fmt = guess_format(o.item.text)
        by_group[o.item.group or (fmt.name if fmt else "other")].append(o)
        if (p := _province(o.item.text)) is not None:
            by_prov[p].append(o)
    rep["groups"] = {k: _acc(v) for k, v in sorted(by_group.items())}
    rep["provinces"] = {k: _acc(v) for k, v in sorted(by_prov.items(), key=lambda kv: -len(kv[1]))}
    rep["confusions"] = M.top_confusions(preds, truth, 12)
    # accuracy of the i-th character of the label (a missing or shifted character counts as wrong)
    rep["per_position"] = M.per_slot_accuracy(preds, truth, max(len(t) for t in truth))
    return rep


def table(rep: dict) -> str:
    """Markdown: the headline row, then one row per group."""
    cov = " / ".join(f"{v * 100:.1f}" for v in rep["coverage"].values())
    det = f"{rep['detection_recall'] * 100:.1f} %" if "detection_recall" in rep else "n/a (no boxes)"
    lines = ["| set | n | exact | CER | acc. at 80 / 90 / 95 % coverage | detection recall | extra plates / image |",
             "|---|---|---|---|---|---|---|",
             f"| all | {rep['n']} | **{rep['exact'] * 100:.2f} %** ({rep['exact_count']}) | {rep['cer'] * 100:.2f} % | "
             f"{cov} | {det} | {rep['extra_plates_per_image']:.3f} |"]
    for name, g in rep["groups"].items():
        gdet = f"{g['detection_recall'] * 100:.1f} %" if "detection_recall" in g else "-"
        lines.append(f"| {name} | {g['n']} | {g['exact'] * 100:.2f} % ({g['exact_count']}) | | | {gdet} | |")
    return "\n".join(lines)


def province_table(rep: dict) -> str:
    if not rep["provinces"]:
        return ""
    rows = ["| first character | n | exact |", "|---|---|---|"]
    rows += [f"| {k} | {v['n']} | {v['exact'] * 100:.1f} % |" for k, v in rep["provinces"].items()]
    return "\n".join(rows)


def outcome_dict(o: Outcome) -> dict:
    d = {"image": o.item.path, "label": o.item.text, "read": o.read, "confidence": round(o.confidence, 4),
         "exact": o.exact, "plates": list(o.plates)}
    if o.detected is not None:
        d["detected"] = o.detected
    if o.error:
        d["error"] = o.error
    return d


def gallery(outcomes: list[Outcome], path: str, n: int = 24, tile: tuple[int, int] = (240, 110)) -> str | None:
    """A PNG of the errors (most confident first): the labelled region (or the image), truth and read."""
    import cv2

    from platekit.core.image import load_image

    wrong = sorted((o for o in outcomes if not o.exact and o.error is None), key=lambda o: -o.confidence)[:n]
    if not wrong:
        return None
    tw, th = tile
    tiles = []
    for o in wrong:
        img = load_image(o.item.path)
        if o.item.box is not None:
            x1, y1, x2, y2 = o.item.box
            px, py = (x2 - x1) * 0.3, (y2 - y1) * 0.6
            h, w = img.shape[:2]
            img = img[max(0, int(y1 - py)):min(h, int(y2 + py)), max(0, int(x1 - px)):min(w, int(x2 + px))]
        s = min(tw / img.shape[1], (th - 36) / img.shape[0])
        im = cv2.resize(img, (max(1, int(img.shape[1] * s)), max(1, int(img.shape[0] * s))), interpolation=cv2.INTER_AREA)
        t = np.full((th, tw, 3), 255, np.uint8)
        t[: im.shape[0], : im.shape[1]] = im
        tiles.append((t, f"truth {o.item.text}", f"read  {o.read or '-'} ({o.confidence:.2f})"))
    cols = 4
    rows = (len(tiles) + cols - 1) // cols
    sheet = np.full((rows * th, cols * tw, 3), 255, np.uint8)
    for k, (t, _, _) in enumerate(tiles):
        r, c = divmod(k, cols)
        sheet[r * th:(r + 1) * th, c * tw:(c + 1) * tw] = t
    sheet = _label(sheet, [(divmod(k, cols), a, b) for k, (_, a, b) in enumerate(tiles)], tw, th)
    cv2.imwrite(path, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    return path


def _label(sheet: np.ndarray, labels, tw: int, th: int) -> np.ndarray:
    """Write the two text lines under each tile (Pillow, with the font drawings use: core.fonts.label_font)."""
    from PIL import Image, ImageDraw, ImageFont

    from platekit.core.fonts import label_font

    font = ImageFont.truetype(label_font("".join(a + b for _, a, b in labels)), 13)
    im = Image.fromarray(sheet)
    d = ImageDraw.Draw(im)
    for (r, c), a, b in labels:
        d.text((c * tw + 2, r * th + th - 34), a, fill=(0, 0, 0), font=font)
        d.text((c * tw + 2, r * th + th - 18), b, fill=(200, 0, 0), font=font)
    return np.asarray(im)


def write_report(outcomes: list[Outcome], rep: dict, out_dir: str) -> dict[str, str]:
    """report.json, outcomes.jsonl (every image), errors.png -> their paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {"report": os.path.join(out_dir, "report.json"), "outcomes": os.path.join(out_dir, "outcomes.jsonl")}
    with open(paths["report"], "w", encoding="utf-8") as f:
        json.dump(rep, f, indent=1, ensure_ascii=False)
    with open(paths["outcomes"], "w", encoding="utf-8") as f:
        f.writelines(json.dumps(outcome_dict(o), ensure_ascii=False) + "\n" for o in outcomes)
    g = gallery(outcomes, os.path.join(out_dir, "errors.png"))
    if g:
        paths["gallery"] = g
    return paths
