"""Dataset statistics for ``platekit data stats``: counts, format mix, per-position characters, sizes."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence

import numpy as np

from platekit.data.readers import DetectionSample, PlateSample, image_size
from platekit.data.split import split_by_text
from platekit.errors import PlatekitError

VAL_FRACTION = 0.2  # the project-wide by-text split


def _spread(values: Sequence[float], nd: int = 1) -> dict:
    if not len(values):
        return {}
    a = np.asarray(values, dtype=np.float64)
    return {"min": round(float(a.min()), nd), "median": round(float(np.median(a)), nd), "max": round(float(a.max()), nd)}


def _sizes(paths: Sequence[str]) -> tuple[dict, int]:
    """Image size summary over distinct paths; also the number of missing/unreadable files."""
    sizes, missing = [], 0
    for p in dict.fromkeys(paths):
        try:
            sizes.append(image_size(p))
        except (PlatekitError, ValueError):
            missing += 1
    top = Counter(f"{w}x{h}" for w, h in sizes).most_common(5)
    return {
        "distinct": len(set(sizes)),
        "most_common": [[s, n] for s, n in top],
        "width": _spread([w for w, _ in sizes]),
        "height": _spread([h for _, h in sizes]),
    }, missing


def plate_stats(samples: Sequence[PlateSample], path: str = "", kind: str = "", skipped: Sequence[str] = ()) -> dict:
    """Statistics of labelled plates (JSON-serialisable)."""
    texts = [s.text for s in samples]
    positions: list[Counter] = []
    for t in texts:
        for i, c in enumerate(t):
            if i == len(positions):
                positions.append(Counter())
            positions[i][c] += 1
    train, val = split_by_text(samples, VAL_FRACTION)
    sizes, missing = _sizes([s.image_path for s in samples])
    out = {
        "path": path,
        "kind": kind,
        "count": len(samples),
        "skipped": len(skipped),
        "skipped_examples": list(skipped[:3]),
        "missing_images": missing,
        "unique_texts": len(set(texts)),
        "split": {"val_fraction": VAL_FRACTION, "train": len(train), "val": len(val)},
        "formats": dict(Counter(s.format or "unknown" for s in samples).most_common()),
        "lengths": {str(k): v for k, v in sorted(Counter(len(t) for t in texts).items())},
        "lines": {str(k): v for k, v in sorted(Counter(s.lines for s in samples).items())},
        "positions": [dict(c.most_common()) for c in positions],
        "image_sizes": sizes,
    }
    boxes = [s.box for s in samples if s.box is not None]
    if boxes:
        b = np.asarray(boxes, dtype=np.float64)
        out["plate_boxes"] = {"count": len(boxes), "width": _spread(b[:, 2] - b[:, 0]), "height": _spread(b[:, 3] - b[:, 1])}
    return out


def detection_stats(samples: Sequence[DetectionSample], path: str = "", kind: str = "", skipped: Sequence[str] = ()) -> dict:
    """Statistics of a detection set (JSON-serialisable)."""
    boxes = [b for s in samples for b in s.boxes]
    rel_w = [(b[2] - b[0]) / s.width for s in samples for b in s.boxes]
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    base = path if os.path.isdir(path) else os.path.dirname(path) or "."
    subsets = Counter(os.path.dirname(os.path.relpath(s.image_path, base)) or "." for s in samples)
    return {
        "path": path,
        "kind": kind,
        "count": len(samples),
        "skipped": len(skipped),
        "skipped_examples": list(skipped[:3]),
        "subsets": dict(sorted(subsets.items())),
        "boxes": len(boxes),
        "with_corners": sum(1 for s in samples if s.corners is not None),
        "boxes_per_image": {str(k): v for k, v in sorted(Counter(len(s.boxes) for s in samples).items())},
        "box_width": _spread(b[:, 2] - b[:, 0]),
        "box_height": _spread(b[:, 3] - b[:, 1]),
        "box_width_over_image_width": _spread(rel_w, 3),
        "image_sizes": {
            "distinct": len({(s.width, s.height) for s in samples}),
            "most_common": [[k, n] for k, n in Counter(f"{s.width}x{s.height}" for s in samples).most_common(5)],
            "width": _spread([s.width for s in samples]),
            "height": _spread([s.height for s in samples]),
        },
    }


def _spread_str(d: dict) -> str:
    return f"{d['min']:g} / {d['median']:g} / {d['max']:g}" if d else "-"


def format_stats(st: dict, top: int = 8) -> str:
    """Human-readable text of plate_stats / detection_stats."""
    lines = [f"{st['path']}  ({st['kind']})"]
    if "positions" in st:
        lines.append(f"  plates          {st['count']}  ({st['unique_texts']} distinct texts)")
    else:
        lines.append(f"  images          {st['count']}  ({st['boxes']} boxes, {st['with_corners']} with corners)")
    if st["skipped"]:
        lines.append(f"  skipped         {st['skipped']}  (first: {st['skipped_examples'][0]})")
    if st.get("missing_images"):
        lines.append(f"  missing images  {st['missing_images']}")
    if "positions" in st:
        sp = st["split"]
        lines.append(f"  split by text   train {sp['train']} / val {sp['val']}  (val_fraction {sp['val_fraction']})")
        total = max(1, st["count"])
        lines.append("  formats         " + ", ".join(f"{k} {v} ({100 * v / total:.1f}%)" for k, v in st["formats"].items()))
        lines.append("  text lengths    " + ", ".join(f"{k}: {v}" for k, v in st["lengths"].items()))
        if set(st["lines"]) != {"1"}:
            lines.append("  text rows       " + ", ".join(f"{k}: {v}" for k, v in st["lines"].items()))
        lines.append("  characters by position (count):")
        for i, pos in enumerate(st["positions"]):
            items = list(pos.items())
            more = f"  (+{len(items) - top} more)" if len(items) > top else ""
            lines.append(f"    {i}: " + " ".join(f"{c}:{n}" for c, n in items[:top]) + more)
        if "plate_boxes" in st:
            pb = st["plate_boxes"]
            lines.append(f"  plate box w     {_spread_str(pb['width'])}   (min / median / max px)")
            lines.append(f"  plate box h     {_spread_str(pb['height'])}")
    else:
        lines.append("  subsets         " + ", ".join(f"{k}: {v}" for k, v in st["subsets"].items()))
        lines.append("  boxes per image " + ", ".join(f"{k}: {v}" for k, v in st["boxes_per_image"].items()))
        lines.append(f"  box w           {_spread_str(st['box_width'])}   (min / median / max px)")
        lines.append(f"  box h           {_spread_str(st['box_height'])}")
        lines.append(f"  box w / image w {_spread_str(st['box_width_over_image_width'])}")
    sz = st["image_sizes"]
    lines.append(
        f"  image sizes     {sz['distinct']} distinct; most common: "
        + ", ".join(f"{s} ({n})" for s, n in sz["most_common"])
    )
    lines.append(f"  image w         {_spread_str(sz['width'])}   (min / median / max px)")
    lines.append(f"  image h         {_spread_str(sz['height'])}")
    return "\n".join(lines)
