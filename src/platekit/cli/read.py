"""``platekit read SOURCE...``: find and read plates in images, folders, videos, webcams and streams (no torch).

JSON contract (``--format jsonl``, schema: docs/read_record.schema.json): one line per input image
(per plate track for a video or stream): {"image", "width", "height", "ms", "plates": [{"text",
"confidence", "char_confidences", "box", "corners", "detection_confidence", "format", "region",
"type"}], "unread"}; an unreadable input gives {"image", "error"} and the batch goes on; the exit
code is 1 at the end if any input failed. ``--format csv``: one row per plate (CSV_COLUMNS).
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from enum import Enum

import typer

from platekit.core.image import IMAGE_EXTS, VIDEO_EXTS
from platekit.core.results import json_line, printable
from platekit.inference.video import is_live


class OutFormat(str, Enum):
    jsonl = "jsonl"
    table = "table"
    csv = "csv"


class RegionOpt(str, Enum):
    cn = "cn"
    ru = "ru"
    auto = "auto"


def expand_inputs(paths: list[str]) -> Iterator[tuple[str, str | None]]:
    """-> (path, error or None): files as given, directories recursively (sorted) by extension, live
    sources (webcam index, stream URL) as given."""
    exts = IMAGE_EXTS | VIDEO_EXTS
    for p in paths:
        if is_live(p):
            yield p, None
        elif os.path.isdir(p):
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
    """A video file, a webcam index or a stream URL."""
    return is_live(path) or os.path.splitext(path)[1].lower() in VIDEO_EXTS


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
    every: int | None = None,
    min_track: int = 2,
) -> Iterator[dict]:
    """Yield one JSON-ready record per image / video track / failed input (never raises on input).

    items: ``expand_inputs(paths)``; progress() is called after each input. Video and stream tracks
    are yielded as they end (``every``, ``min_track``: :func:`platekit.inference.video.iter_video`).
    """
    from platekit.core.image import ImageError, imwrite_rgb, load_image
    from platekit.errors import PlatekitError
    from platekit.inference.video import iter_video, redact
    from platekit.inference.vis import draw_plates

    used: set[str] = set()

    def records(path: str) -> Iterator[dict]:
        if is_video(path):
            yield from iter_video(reader, path, vis_dir=save_vis, every=every, min_track=min_track)
            return
        result, _ = reader.read_result(path)
        if save_vis:
            imwrite_rgb(_vis_path(save_vis, path, used), draw_plates(load_image(path), result.plates))
        yield result.to_dict()

    for path, err in items:
        if err is not None:
            yield {"image": path, "error": err}
        else:
            try:  # video records stream out as tracks end; an error after some tracks still gets a record
                yield from records(path)
            except (ImageError, PlatekitError) as e:
                yield {"image": redact(path), "error": str(e)}
            except Exception as e:  # a crash on one input must not stop the batch
                yield {"image": redact(path), "error": f"{redact(path)}: unexpected {type(e).__name__}: {e}"}
        if progress is not None:
            progress()


def _emit(text: str) -> None:
    """Write to stdout as UTF-8 whatever the locale (``text`` holds no lone surrogate: see json_line)."""
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()  # anything written through the text layer first
    out.write(text.encode("utf-8"))
    out.flush()


class _Utf8Out:
    """A file for csv.writer: UTF-8 stdout, a non-UTF-8 file-name byte shown as \\xff."""

    def write(self, text: str) -> None:
        _emit(printable(text))


def _table_rows(rec: dict) -> list[list[str]]:
    rec = rec | {"image": printable(rec["image"])}
    if "error" in rec:
        return [[rec["image"], "ERROR", "", "", printable(rec["error"])]]
    if not rec["plates"]:
        unread = rec.get("unread", 0)
        note = (f"no plate read: {unread} detected, read below --min-confidence or empty" if unread
                else "no plate found")
        return [[rec["image"], "-", "", "", note]]
    rows = []
    for p in rec["plates"]:
        box = ",".join(f"{v:.0f}" for v in p["box"])
        extra = f"track {rec['track']} frames {rec['first_frame']}-{rec['last_frame']}" if "track" in rec else ""
        kind = p.get("type") or "fits no known plate format"
        rows.append([rec["image"], p["text"], f"{p['confidence']:.3f}", f"{p['detection_confidence']:.3f}",
                     f"[{box}] {kind} {extra}".strip()])
    return rows


def _width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def print_table(records: list[dict], header: bool = True) -> None:
    rows = [["image", "plate", "conf", "det", "box / type / note"]] * header + [
        r for rec in records for r in _table_rows(rec)]
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        cells = [c + " " * (w - _width(c)) for c, w in zip(r[:4], widths, strict=True)]
        typer.echo("  ".join(cells + [r[4]]))


CSV_COLUMNS = ["image", "track", "frame", "text", "type", "region", "confidence", "detection_confidence",
               "x1", "y1", "x2", "y2", "lt_x", "lt_y", "rt_x", "rt_y", "rb_x", "rb_y", "lb_x", "lb_y", "error"]


def csv_rows(rec: dict) -> list[dict]:
    """One CSV row per plate (``frame``: a track's best frame); an image without plates or an error: one row."""
    base = {"image": rec["image"], "track": rec.get("track"), "frame": rec.get("best_frame")}
    if "error" in rec:
        return [base | {"error": rec["error"]}]
    rows = [base] if not rec["plates"] else []
    for p in rec["plates"]:
        corners = {f"{k}_{a}": v for k, c in zip(("lt", "rt", "rb", "lb"), p["corners"], strict=True)
                   for a, v in zip("xy", c, strict=True)}
        rows.append(base | {k: p[k] for k in ("text", "type", "region", "confidence", "detection_confidence")}
                    | dict(zip(("x1", "y1", "x2", "y2"), p["box"], strict=True)) | corners)
    return rows


def read_cmd(
    paths: list[str] = typer.Argument(..., help="Image files, directories (recursive), videos (mp4, avi), "
                                      "a webcam index (0) or a stream URL (rtsp://, http://)."),
    crops: bool = typer.Option(False, "--crops", help="Inputs are plate crops: no detection, box = whole image."),
    format: OutFormat = typer.Option(OutFormat.table, "--format",
                                     help="Output: table, jsonl (one JSON line per image / track) or csv "
                                     "(one row per plate)."),
    region: RegionOpt = typer.Option(RegionOpt.cn, "--region", help="Plate region (auto: try every recognizer)."),
    detector: str | None = typer.Option(None, "--detector", help="Shipped detector name or .onnx path."),
    recognizer: str | None = typer.Option(None, "--recognizer", help="Shipped recognizer name or .onnx path."),
    min_confidence: float | None = typer.Option(
        None, "--min-confidence", min=0.0, max=1.0,
        help="Drop plates read with lower confidence (default 0.5, chosen on the val split: docs/reading.md)."),
    save_vis: str | None = typer.Option(None, "--save-vis", help="Write annotated images / best video frames here."),
    threads: int = typer.Option(1, "--threads", min=1, help="onnxruntime intra-op threads."),
    every: int | None = typer.Option(None, "--every", min=1, help="Video / stream: read every N-th frame "
                                     "(default: about 10 frames per second)."),
    min_track: int = typer.Option(2, "--min-track", min=1, help="Video / stream: drop tracks seen on fewer "
                                  "sampled frames (a one-frame false detection is not a plate)."),
) -> None:
    """Find and read licence plates in images, folders, videos, webcams and streams."""
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
    inputs = list(expand_inputs(paths))
    live = any(is_live(p) for p, _ in inputs)
    opts = {"every": every, "min_track": min_track}
    if format is OutFormat.table and not live:
        if len(inputs) > 5:  # progress bar on stderr, table on stdout at the end
            with typer.progressbar(length=len(inputs), label="reading", file=sys.stderr) as bar:
                out = list(run_read(inputs, reader, save_vis, lambda: bar.update(1), **opts))
        else:
            out = list(run_read(inputs, reader, save_vis, **opts))
        failed = any("error" in r for r in out)
        print_table(out)
    else:  # streamed: each record is printed as soon as it exists (tracks as they end)
        writer = csv.DictWriter(_Utf8Out(), CSV_COLUMNS, lineterminator="\n")
        if format is OutFormat.csv:
            writer.writeheader()
        for i, rec in enumerate(run_read(inputs, reader, save_vis, **opts)):
            failed |= "error" in rec
            if format is OutFormat.jsonl:
                _emit(json_line(rec) + "\n")
            elif format is OutFormat.csv:
                writer.writerows(csv_rows(rec))
            else:
                print_table([rec], header=i == 0)
            sys.stdout.flush()
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("read")(read_cmd)
