"""Dataset readers: CCPD scenes, crop folders, Nomeroff-net OCR, CSV, detection JSONL. numpy + OpenCV only.

Bad input policy (see docs/data.md):
- labels carried by *file names* (CCPD folders, crop folders): a name that does not parse is
  skipped; one summary :class:`DataWarning` per read gives the count and the first reason
  (``skip_bad=False`` raises instead).
- labels carried by *label files* (Nomeroff ``ann/*.json``, CSV, JSONL): a broken entry raises a
  :class:`PlatekitError` naming the file and line (``skip_bad=True`` skips and warns instead).
Every reader also accepts ``skipped``: a list that receives one message per skipped item.
"""

from __future__ import annotations

import csv
import json
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from platekit.core.ccpd import CCPDParseError, is_ccpd_name, parse_ccpd_name
from platekit.core.formats import guess_format, normalize_text
from platekit.core.image import IMAGE_EXTS, header_size, load_image
from platekit.errors import PlatekitError

Point = tuple[float, float]


class DataWarning(UserWarning):
    """Some items of a dataset were skipped; the message gives the count and the first reason."""


@dataclass(frozen=True)
class PlateSample:
    """One labelled plate."""

    image_path: str
    text: str  # normalised (core.formats.normalize_text)
    format: str | None  # "cn-blue", "ru", ... or None if unknown
    corners: tuple | None  # (lt, rt, rb, lb) in image pixels (CCPD scenes); None for crops
    box: tuple | None  # (x1, y1, x2, y2) (CCPD scenes); None for crops (= whole image)
    lines: int = 1  # text rows on the plate (Nomeroff count_lines); text is the rows joined


@dataclass(frozen=True)
class DetectionSample:
    """One image with plate boxes (maybe none)."""

    image_path: str
    width: int
    height: int
    boxes: tuple  # ((x1, y1, x2, y2), ...)
    corners: tuple | None = None  # per box (lt, rt, rb, lb), or None when the source has no corners


# --- helpers ------------------------------------------------------------------------------------


def _fmt_name(text: str) -> str | None:
    f = guess_format(text)
    return f.name if f is not None else None


def _list_images(root: str) -> list[str]:
    """Image files under root, recursive, sorted by relative path."""
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in files:
            if os.path.splitext(f)[1].lower() in IMAGE_EXTS:
                out.append(os.path.join(d, f))
    return sorted(out, key=lambda p: os.path.relpath(p, root))


def _need_dir(root: str, what: str) -> str:
    root = os.fspath(root)
    if not os.path.exists(root):
        raise PlatekitError(f"{root}: no such file or directory")
    if not os.path.isdir(root):
        raise PlatekitError(f"{root}: not a directory (expected a {what} folder)")
    return root


def _need_file(path: str, what: str) -> str:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise PlatekitError(f"{path}: no such file or directory")
    if os.path.isdir(path):
        raise PlatekitError(f"{path}: is a directory (expected a {what} file)")
    return path


def _skip(msgs: list[str], where: str, total: int, what: str, skipped: list[str] | None) -> None:
    """Hand skipped-item messages to the caller's list and emit one summary warning."""
    if not msgs:
        return
    if skipped is not None:
        skipped.extend(msgs)
    warnings.warn(
        f"{where}: skipped {len(msgs)} of {total} {what}; first: {msgs[0]}", DataWarning, stacklevel=3
    )


def image_size(path: str) -> tuple[int, int]:
    """(width, height) of an image from its PNG/JPEG header; decodes only when the header is unknown."""
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
            wh = header_size(head)
            if wh is None and len(head) == 65536:
                wh = header_size(head + f.read())
    except OSError as e:
        raise PlatekitError(f"{path}: cannot read ({e.strerror})") from None
    if wh is not None:
        return wh
    img = load_image(path)
    return img.shape[1], img.shape[0]


# --- CCPD scenes ----------------------------------------------------------------------------------


def read_ccpd(root: str, skip_bad: bool = True, skipped: list[str] | None = None) -> list[PlateSample]:
    """CCPD scene folder (recursive, sorted). Malformed names are skipped with one warning."""
    root = _need_dir(root, "CCPD")
    paths = _list_images(root)
    out, bad = [], []
    for p in paths:
        try:
            r = parse_ccpd_name(p)
        except CCPDParseError as e:
            if not skip_bad:
                raise PlatekitError(f"{p}: not a CCPD name ({e})") from None
            bad.append(f"{p}: {e}")
            continue
        out.append(PlateSample(p, r.text, r.format, r.corners, r.box))
    _skip(bad, root, len(paths), "images (not CCPD names)", skipped)
    return out


def ccpd_as_detection(samples: Sequence[PlateSample]) -> list[DetectionSample]:
    """Group plate samples with boxes by image -> detection samples (size read from the image header)."""
    by_image: dict[str, list[PlateSample]] = {}
    for s in samples:
        if s.box is None:
            raise PlatekitError(f"{s.image_path}: plate sample has no box (a crop, not a scene)")
        by_image.setdefault(s.image_path, []).append(s)
    out = []
    for path, group in by_image.items():
        w, h = image_size(path)
        boxes = tuple(tuple(s.box) for s in group)
        corners = tuple(s.corners for s in group) if all(s.corners is not None for s in group) else None
        out.append(DetectionSample(path, w, h, boxes, corners))
    return out


# --- crop folders -----------------------------------------------------------------------------------

_DUP_SUFFIX = re.compile(r"__\d+$")  # 皖A12345__2
_NUM_PREFIX = re.compile(r"^\d+-(.+)$")  # CCPD2019-dl1: 123-皖A12345
_NOMEROFF_NAME = re.compile(r"^\d+_(.+)_\d+$")  # nomeroff image names: 1000_X371HK96_0


def text_from_crop_name(path: str) -> str | None:
    """Plate text from a crop file name (``皖A12345.jpg``, ``123-皖A12345.jpg``, ``皖A12345__2.jpg``)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    stem = _DUP_SUFFIX.sub("", stem)
    for pat in (_NUM_PREFIX, _NOMEROFF_NAME):
        m = pat.match(stem)
        if m:
            stem = m.group(1)
            break
    text = normalize_text(stem)
    return text if text and text.isalnum() else None


def read_crop_folder(root: str, skip_bad: bool = True, skipped: list[str] | None = None) -> list[PlateSample]:
    """Folder of plate crops whose file names hold the text (recursive, sorted)."""
    root = _need_dir(root, "crop")
    paths = _list_images(root)
    out, bad = [], []
    for p in paths:
        text = text_from_crop_name(p)
        if text is None:
            msg = f"{p}: file name holds no plate text"
            if not skip_bad:
                raise PlatekitError(msg)
            bad.append(msg)
            continue
        out.append(PlateSample(p, text, _fmt_name(text), None, None))
    _skip(bad, root, len(paths), "images (no plate text in the name)", skipped)
    return out


# --- Nomeroff-net OCR ----------------------------------------------------------------------------------


def _nomeroff_dirs(root: str) -> list[str]:
    """Folders holding both ann/ and img/ (root itself, or its subsets like train/ val/)."""
    found = []
    for d, dirs, _ in os.walk(root):
        dirs.sort()
        if "ann" in dirs and "img" in dirs:
            found.append(d)
            dirs[:] = [x for x in dirs if x not in ("ann", "img")]
    return found


def is_nomeroff_dir(root: str) -> bool:
    return os.path.isdir(root) and bool(_nomeroff_dirs(root))


def read_nomeroff(root: str, skip_bad: bool = False, skipped: list[str] | None = None) -> list[PlateSample]:
    """Nomeroff-net OCR folder: ``img/<name>.png`` + ``ann/<name>.json`` with ``description``, ``count_lines``.

    Also accepts a parent of several such folders (train/, val/, test/). Two-row plates: the text is
    the rows joined (as in ``description``) and ``lines`` = 2.
    """
    root = _need_dir(root, "Nomeroff (img/ + ann/)")
    subsets = _nomeroff_dirs(root)
    if not subsets:
        raise PlatekitError(f"{root}: not a Nomeroff OCR folder (needs img/ and ann/ subfolders)")
    out, bad, total = [], [], 0
    for d in subsets:
        imgs = {os.path.splitext(f)[0]: os.path.join(d, "img", f) for f in sorted(os.listdir(os.path.join(d, "img")))
                if os.path.splitext(f)[1].lower() in IMAGE_EXTS}
        for f in sorted(os.listdir(os.path.join(d, "ann"))):
            if not f.endswith(".json"):
                continue
            total += 1
            ann = os.path.join(d, "ann", f)
            try:
                out.append(_nomeroff_one(ann, imgs))
            except PlatekitError as e:
                if not skip_bad:
                    raise
                bad.append(str(e))
    _skip(bad, root, total, "annotations", skipped)
    return out


def _nomeroff_one(ann: str, imgs: dict[str, str]) -> PlateSample:
    try:
        with open(ann, encoding="utf-8") as fh:
            d = json.load(fh)
    except json.JSONDecodeError as e:
        raise PlatekitError(f"{ann}:{e.lineno}: invalid JSON ({e.msg} at column {e.colno})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PlatekitError(f"{ann}: cannot read ({e})") from None
    if not isinstance(d, dict) or not isinstance(d.get("description"), str):
        raise PlatekitError(f"{ann}:1: missing string field 'description' (the plate text)")
    text = normalize_text(d["description"])
    if not text:
        raise PlatekitError(f"{ann}:1: empty 'description'")
    try:
        lines = int(d.get("count_lines", 1) or 1)
    except (TypeError, ValueError):
        raise PlatekitError(f"{ann}:1: 'count_lines' is not a number: {d.get('count_lines')!r}") from None
    stem = os.path.splitext(os.path.basename(ann))[0]
    img = imgs.get(stem) or imgs.get(str(d.get("name", "")))
    if img is None:
        raise PlatekitError(f"{ann}: no image {stem}.* in the img/ folder")
    return PlateSample(img, text, _fmt_name(text), None, None, lines)


# --- CSV ------------------------------------------------------------------------------------------------


def read_csv(path: str, skip_bad: bool = False, skipped: list[str] | None = None) -> list[PlateSample]:
    """CSV ``image_path,plate_text[,format]`` with a header row; paths relative to the CSV's folder."""
    path = _need_file(path, "CSV")
    base = os.path.dirname(path)
    out, bad, total = [], [], 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip().lower() for h in next(reader, [])]
            for col in ("image_path", "plate_text"):
                if col not in header:
                    raise PlatekitError(
                        f"{path}:1: missing column {col!r} (header: {','.join(header) or 'empty'}; "
                        "expected image_path,plate_text[,format])"
                    )
            i_img, i_txt = header.index("image_path"), header.index("plate_text")
            i_fmt = header.index("format") if "format" in header else None
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                total += 1
                line = reader.line_num
                try:
                    if len(row) <= max(i_img, i_txt):
                        raise PlatekitError(f"{path}:{line}: {len(row)} columns, header has {len(header)}")
                    rel, raw = row[i_img].strip(), row[i_txt]
                    text = normalize_text(raw)
                    if not rel or not text:
                        raise PlatekitError(f"{path}:{line}: empty image_path or plate_text")
                    fmt = row[i_fmt].strip() if i_fmt is not None and i_fmt < len(row) else ""
                    out.append(PlateSample(os.path.join(base, rel), text, fmt or _fmt_name(text), None, None))
                except PlatekitError as e:
                    if not skip_bad:
                        raise
                    bad.append(str(e))
    except UnicodeDecodeError as e:
        raise PlatekitError(f"{path}: not UTF-8 text ({e.reason})") from None
    except csv.Error as e:
        raise PlatekitError(f"{path}: bad CSV ({e})") from None
    _skip(bad, path, total, "rows", skipped)
    return out


def write_csv(path: str, rows: Iterable[Sequence[str]], with_format: bool = False) -> str:
    """Write the CSV ``read_csv`` reads: a header, then ``(image_path, plate_text[, format])`` rows (paths relative
    to the CSV's folder). -> path."""
    header = ["image_path", "plate_text"] + (["format"] if with_format else [])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            if len(row) != len(header):
                raise PlatekitError(f"{path}: a row has {len(row)} fields, the header {len(header)}: {row!r}")
            w.writerow(row)
    return path


# --- detection JSONL ------------------------------------------------------------------------------------


def _parse_box(b, where: str) -> tuple[float, float, float, float]:
    try:
        x1, y1, x2, y2 = (float(v) for v in b)
    except (TypeError, ValueError):
        raise PlatekitError(f"{where}: box {b!r} is not 4 numbers [x1, y1, x2, y2]") from None
    if not (x2 > x1 and y2 > y1):
        raise PlatekitError(f"{where}: empty box {b!r} (needs x2 > x1 and y2 > y1)")
    return x1, y1, x2, y2


def _parse_corners(c, where: str) -> tuple[Point, ...]:
    try:
        pts = np.asarray(c, dtype=np.float64)
    except (TypeError, ValueError):
        pts = np.zeros(0)
    if pts.size != 8:
        raise PlatekitError(f"{where}: corners {c!r} are not 4 [x, y] points (lt, rt, rb, lb)")
    return tuple((float(x), float(y)) for x, y in pts.reshape(4, 2))


def read_detection_jsonl(path: str, skip_bad: bool = False, skipped: list[str] | None = None) -> list[DetectionSample]:
    """JSONL, one image per line: ``{"image", "width", "height", "boxes": [[x1,y1,x2,y2], ...]}``.

    Optional ``"corners": [[[x,y] x4], ...]`` (lt, rt, rb, lb per box). Image paths are relative
    to the JSONL's folder.
    """
    path = _need_file(path, "JSONL")
    base = os.path.dirname(path)
    out, bad, total = [], [], 0
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for line_no, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                total += 1
                try:
                    out.append(_detection_line(line, f"{path}:{line_no}", base))
                except PlatekitError as e:
                    if not skip_bad:
                        raise
                    bad.append(str(e))
    except UnicodeDecodeError as e:
        raise PlatekitError(f"{path}: not UTF-8 text ({e.reason})") from None
    _skip(bad, path, total, "lines", skipped)
    return out


def _detection_line(line: str, where: str, base: str) -> DetectionSample:
    try:
        d = json.loads(line)
    except json.JSONDecodeError as e:
        raise PlatekitError(f"{where}: invalid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(d, dict):
        raise PlatekitError(f"{where}: expected a JSON object, got {type(d).__name__}")
    for k in ("image", "width", "height", "boxes"):
        if k not in d:
            raise PlatekitError(f"{where}: missing key {k!r}")
    if not isinstance(d["image"], str) or not d["image"]:
        raise PlatekitError(f"{where}: 'image' must be a non-empty path")
    try:
        w, h = int(d["width"]), int(d["height"])
    except (TypeError, ValueError):
        raise PlatekitError(f"{where}: width/height must be integers") from None
    if w <= 0 or h <= 0:
        raise PlatekitError(f"{where}: width/height must be positive, got {w}x{h}")
    if not isinstance(d["boxes"], list):
        raise PlatekitError(f"{where}: 'boxes' must be a list of [x1, y1, x2, y2]")
    boxes = tuple(_parse_box(b, where) for b in d["boxes"])
    corners = None
    if d.get("corners") is not None:
        if not isinstance(d["corners"], list) or len(d["corners"]) != len(boxes):
            raise PlatekitError(f"{where}: 'corners' must list one quadrilateral per box")
        corners = tuple(_parse_corners(c, where) for c in d["corners"])
    return DetectionSample(os.path.join(base, d["image"]), w, h, boxes, corners)


# --- auto-detection ---------------------------------------------------------------------------------------

KINDS = ("ccpd", "crops", "nomeroff", "csv", "detection-jsonl")


def detect_kind(path: str) -> str:
    """Which kind of dataset is at ``path``: one of :data:`KINDS`. PlatekitError if none fits."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise PlatekitError(f"{path}: no such file or directory")
    if os.path.isfile(path):
        ext = os.path.splitext(path)[1].lower()
        if ext == ".csv":
            return "csv"
        if ext in (".jsonl", ".ndjson"):
            return "detection-jsonl"
        raise PlatekitError(f"{path}: unknown dataset file type {ext or '(none)'!r}; expected .csv or .jsonl")
    if is_nomeroff_dir(path):
        return "nomeroff"
    top = sorted(os.listdir(path))
    for ext, kind in ((".jsonl", "detection-jsonl"), (".csv", "csv")):
        hits = [f for f in top if f.lower().endswith(ext) and os.path.isfile(os.path.join(path, f))]
        if len(hits) == 1:
            return kind
    imgs = _list_images(path)
    if not imgs:
        raise PlatekitError(f"{path}: no images, labels.jsonl, CSV or Nomeroff img/+ann/ found")
    probe = imgs[:: max(1, len(imgs) // 200)]  # up to ~200 names spread over the folder
    n_ccpd = sum(1 for p in probe if is_ccpd_name(p))
    return "ccpd" if n_ccpd * 2 >= len(probe) else "crops"


def dataset_file(path: str, kind: str) -> str:
    """The label file of a folder given for a file kind (folder/labels.jsonl), or path itself."""
    if os.path.isdir(path) and kind in ("csv", "detection-jsonl"):
        ext = ".csv" if kind == "csv" else ".jsonl"
        hits = sorted(f for f in os.listdir(path) if f.lower().endswith(ext))
        if len(hits) != 1:
            raise PlatekitError(f"{path}: expected exactly one *{ext} file, found {len(hits)}")
        return os.path.join(path, hits[0])
    return path


def load_plates(path: str, kind: str = "auto", skipped: list[str] | None = None) -> list[PlateSample]:
    """Read labelled plates from a CCPD folder, crop folder, Nomeroff folder or CSV (auto-detected)."""
    kind = detect_kind(path) if kind == "auto" else kind
    if kind == "detection-jsonl":
        raise PlatekitError(f"{path}: a detection JSONL has boxes but no plate text; use load_detections")
    readers = {"ccpd": read_ccpd, "crops": read_crop_folder, "nomeroff": read_nomeroff, "csv": read_csv}
    if kind not in readers:
        raise PlatekitError(f"unknown dataset kind {kind!r}; known: auto, {', '.join(KINDS)}")
    samples = readers[kind](dataset_file(path, kind), skipped=skipped)
    if not samples:
        raise PlatekitError(f"{path}: no labelled plates found (read as {kind})")
    return samples


def load_detections(path: str, kind: str = "auto", skipped: list[str] | None = None) -> list[DetectionSample]:
    """Images with plate boxes from a detection JSONL or a CCPD folder (auto-detected)."""
    kind = detect_kind(path) if kind == "auto" else kind
    if kind == "detection-jsonl":
        samples = read_detection_jsonl(dataset_file(path, kind), skipped=skipped)
    elif kind == "ccpd":
        samples = ccpd_as_detection(read_ccpd(path, skipped=skipped))
    else:
        raise PlatekitError(f"{path}: a {kind} dataset has no plate boxes; use a CCPD folder or a detection JSONL")
    if not samples:
        raise PlatekitError(f"{path}: no images found (read as {kind})")
    return samples


# --- crops ------------------------------------------------------------------------------------------------


def _natural_size(corners: np.ndarray) -> tuple[int, int]:
    lt, rt, rb, lb = corners
    w = (np.linalg.norm(rt - lt) + np.linalg.norm(rb - lb)) / 2
    h = (np.linalg.norm(lb - lt) + np.linalg.norm(rb - rt)) / 2
    return max(1, round(w)), max(1, round(h))


def load_plate_crop(
    sample: PlateSample,
    size: tuple[int, int] | None = None,
    mode: str = "corners",
    margin: float = 0.0,
    image: np.ndarray | None = None,
) -> np.ndarray:
    """The plate of ``sample`` as RGB uint8 [H, W, 3], resized to ``size=(W, H)`` (None: natural size).

    mode "corners": perspective rectification by the 4 corners (``margin`` as in core.geometry.rectify);
    "bbox": axis-aligned box crop (``margin`` = pad fraction); "whole": the whole image.
    A sample without corners falls back to its box, and one without a box to the whole image
    (plate-crop datasets), so one call works for every reader.
    """
    import cv2

    from platekit.core.geometry import crop_box, rectify

    if mode not in ("corners", "bbox", "whole"):
        raise ValueError(f"mode must be 'corners', 'bbox' or 'whole', got {mode!r}")
    img = load_image(sample.image_path) if image is None else image
    if mode == "corners" and sample.corners is not None:
        c = np.asarray(sample.corners, dtype=np.float32).reshape(4, 2)
        return rectify(img, c, size or _natural_size(c), margin)
    if mode in ("corners", "bbox") and sample.box is not None:
        return crop_box(img, sample.box, size, margin)
    return img if size is None else cv2.resize(img, tuple(size), interpolation=cv2.INTER_AREA)
