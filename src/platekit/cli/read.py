"""``platekit read PATH...``: find and read plates in images, folders and videos (no torch).

JSON contract (``--format jsonl``): one line per input image (per plate track for a video):
{"image", "width", "height", "ms", "plates": [{"text", "confidence", "char_confidences", "box",
"corners", "detection_confidence", "format"}]}; an unreadable input gives {"image", "error"} and
the batch goes on; the exit code is 1 at the end if any input failed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from enum import Enum

import typer

from platekit.core.image import IMAGE_EXTS, VIDEO_EXTS


class OutFormat(str, Enum):
    jsonl = "jsonl"
    table = "table"


class RegionOpt(str, Enum):
    cn = "cn"
    ru = "ru"
    auto = "auto"


def expand_inputs(paths: list[str]) -> Iterator[tuple[str, str | None]]:
    """-> (path, error or None): files as given, directories recursively (sorted) by extension."""
    exts = IMAGE_EXTS | VIDEO_EXTS
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found += [os.path.join(root, f) for f in files if os.path.splitext(f)[1].lower() in exts]
            if not found:
                yield p, f"{p}: directory contains no image or video files ({', '.join(sorted(exts))})"
            yield from ((f, None) for f in sorted(found))
        elif not os.path.exists(p):
            yield p, f"{p}: no such file or directory"
        else:
            yield p, None


def is_video(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in VIDEO_EXTS


def _vis_path(vis_dir: str, path: str, used: set[str]) -> str:
    stem = os.path.splitext(os.path.basename(path))[0] or "image"
    name, k = f"{stem}.jpg", 1
    while name in used:
        name, k = f"{stem}_{k}.jpg", k + 1
    used.add(name)
    return os.path.join(vis_dir, name)


def run_read(
    items: Iterable[tuple[str, str | None]],
    reader,
    save_vis: str | None = None,
    progress: Callable[[], None] | None = None,
) -> Iterator[dict]:
    """Yield one JSON-ready record per image / video track / failed input (never raises on input).

    items: ``expand_inputs(paths)``; progress() is called after each input.
    """
    from platekit.core.image import ImageError, imwrite_rgb, load_image
    from platekit.errors import PlatekitError
    from platekit.inference.video import read_video
    from platekit.inference.vis import draw_plates

    used: set[str] = set()
    for path, err in items:
        if err is not None:
            recs = [{"image": path, "error": err}]
        else:
            try:
                if is_video(path):
                    recs = read_video(reader, path, vis_dir=save_vis)
                else:
                    result, _ = reader.read_result(path)
                    if save_vis:
                        vis = draw_plates(load_image(path), result.plates)
                        imwrite_rgb(_vis_path(save_vis, path, used), vis)
                    recs = [result.to_dict()]
            except (ImageError, PlatekitError) as e:
                recs = [{"image": path, "error": str(e)}]
            except Exception as e:  # a crash on one input must not stop the batch
                recs = [{"image": path, "error": f"{path}: unexpected {type(e).__name__}: {e}"}]
        if progress is not None:
            progress()
        yield from recs


def _table_rows(rec: dict) -> list[list[str]]:
    if "error" in rec:
        return [[rec["image"], "ERROR", "", "", rec["error"]]]
    if not rec["plates"]:
        return [[rec["image"], "-", "", "", "no plate found"]]
    rows = []
    for p in rec["plates"]:
        box = ",".join(f"{v:.0f}" for v in p["box"])
        extra = f"track {rec['track']} frames {rec['first_frame']}-{rec['last_frame']}" if "track" in rec else ""
        rows.append([rec["image"], p["text"], f"{p['confidence']:.3f}", f"{p['detection_confidence']:.3f}",
                     f"[{box}] {extra}".strip()])
    return rows


def _width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def print_table(records: list[dict]) -> None:
    header = ["image", "plate", "conf", "det", "box / note"]
    rows = [header] + [r for rec in records for r in _table_rows(rec)]
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        cells = [c + " " * (w - _width(c)) for c, w in zip(r[:4], widths, strict=True)]
        typer.echo("  ".join(cells + [r[4]]))


def read_cmd(
    paths: list[str] = typer.Argument(..., help="Image files, directories (recursive) or videos (mp4, avi)."),
    crops: bool = typer.Option(False, "--crops", help="Inputs are plate crops: no detection, box = whole image."),
    format: OutFormat = typer.Option(OutFormat.table, "--format", help="jsonl: one JSON line per image."),
    region: RegionOpt = typer.Option(RegionOpt.cn, "--region", help="Plate region (auto: try every recognizer)."),
    detector: str | None = typer.Option(None, "--detector", help="Shipped detector name or .onnx path."),
    recognizer: str | None = typer.Option(None, "--recognizer", help="Shipped recognizer name or .onnx path."),
    min_confidence: float | None = typer.Option(None, "--min-confidence", help="Drop plates read with lower confidence (default 0.5, docs/reading.md)."),
    save_vis: str | None = typer.Option(None, "--save-vis", help="Write annotated images / best video frames here."),
    threads: int = typer.Option(1, "--threads", min=1, help="onnxruntime intra-op threads."),
) -> None:
    """Find and read licence plates in images, folders and videos."""
    import cv2

    from platekit.inference.reader import Reader

    cv2.setNumThreads(threads)  # OpenCV resize/warp share the same thread budget
    reader = Reader(
        region=region.value, detector=detector, recognizer=recognizer, threads=threads,
        min_confidence=min_confidence, crops=crops,
    )
    if save_vis:
        os.makedirs(save_vis, exist_ok=True)
    failed = False
    if format is OutFormat.jsonl:
        for rec in run_read(expand_inputs(paths), reader, save_vis):
            failed |= "error" in rec
            sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    else:
        inputs = list(expand_inputs(paths))
        if len(inputs) > 5:  # progress bar on stderr, table on stdout at the end
            with typer.progressbar(length=len(inputs), label="reading", file=sys.stderr) as bar:
                out = list(run_read(inputs, reader, save_vis, lambda: bar.update(1)))
        else:
            out = list(run_read(inputs, reader, save_vis))
        failed = any("error" in r for r in out)
        print_table(out)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("read")(read_cmd)
