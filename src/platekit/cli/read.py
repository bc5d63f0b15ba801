"""``platekit read SOURCE...``: find and read plates in images, folders, videos, webcams and streams (no torch).

JSON contract (``--format jsonl``, schema: docs/read_record.schema.json): one line per input image
(per plate track for a video or stream): {"image", "width", "height", "ms", "plates": [{"text",
"confidence", "char_confidences", "box", "corners", "detection_confidence", "format", "region",
"type", "colour"}], "unread"}; an unreadable input gives {"image", "error"} and the batch goes on; the exit
code is 1 at the end if any input failed. ``--format csv``: one row per plate (CSV_COLUMNS).
"""

from __future__ import annotations

import csv
import functools
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from enum import Enum

import typer

from platekit.core.image import IMAGE_EXTS, VIDEO_EXTS
from platekit.core.results import json_line, printable
from platekit.inference.video import is_live
from platekit.log import verbosity


class OutFormat(str, Enum):
    jsonl = "jsonl"
    table = "table"
    csv = "csv"


class RegionOpt(str, Enum):
    cn = "cn"
    ru = "ru"
    latin = "latin"
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


def read_one(path: str, err: str | None, reader, save_vis: str | None = None, vis_file: str | None = None,
             every: int | None = None, min_track: int = 2) -> Iterator[dict]:
    """The records of one input, never raising on input: an image writes its drawing to ``vis_file``; a
    video or stream yields its tracks as they end (best frames into ``save_vis``)."""
    from platekit.core.image import ImageError, imwrite_rgb, load_image
    from platekit.errors import PlatekitError
    from platekit.inference.video import iter_video, redact
    from platekit.inference.vis import draw_plates

    if err is not None:
        yield {"image": path, "error": err}
        return
    try:  # video records stream out as tracks end; an error after some tracks still gets a record
        if is_video(path):
            yield from iter_video(reader, path, vis_dir=save_vis, every=every, min_track=min_track)
            return
        result, _ = reader.read_result(path)
        if vis_file:
            imwrite_rgb(vis_file, draw_plates(load_image(path), result.plates, result.unread_boxes))
        yield result.to_dict()
    except (ImageError, PlatekitError) as e:
        yield {"image": redact(path), "error": str(e)}
    except Exception as e:  # a crash on one input must not stop the batch
        yield {"image": redact(path), "error": f"{redact(path)}: unexpected {type(e).__name__}: {e}"}


def with_vis_files(items: Iterable[tuple[str, str | None]], save_vis: str | None) -> Iterator[tuple]:
    """-> (path, error, drawing path or None): drawings named after the image, made unique in input order."""
    used: set[str] = set()
    for path, err in items:
        vis = _vis_path(save_vis, path, used) if save_vis and err is None and not is_video(path) else None
        yield path, err, vis


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
    for path, err, vis in with_vis_files(items, save_vis):
        yield from read_one(path, err, reader, save_vis, vis, every, min_track)
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
        note = (f"no plate read: {unread} detected, read below --min-confidence, empty, or (--region auto) "
                "fitting no reader's plate formats" if unread else "no plate found")
        return [[rec["image"], "-", "", "", note]]
    rows = []
    for p in rec["plates"]:
        box = ",".join(f"{v:.0f}" for v in p["box"])
        extra = f"track {rec['track']} frames {rec['first_frame']}-{rec['last_frame']}" if "track" in rec else ""
        kind = p.get("type") or "fits no known plate format"
        rows.append([rec["image"], p["text"], f"{p['confidence']:.3f}", f"{p['detection_confidence']:.3f}",
                     f"[{box}] {kind} {extra}".strip()])
    return rows


def print_table(records: list[dict], header: bool = True) -> None:
    """A rich table on stdout as UTF-8 (one line per plate; not wrapped when stdout is a pipe or a file)."""
    import io
    import shutil

    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold", show_header=header)
    for name in ["image", "plate", "conf", "det", "box / type / note"]:
        table.add_column(name, no_wrap=True)
    for rec in records:
        for row in _table_rows(rec):
            table.add_row(*row, style="red" if row[1] == "ERROR" else None)
    term = sys.stdout.isatty()
    buf = io.StringIO()
    width = shutil.get_terminal_size().columns if term else 100_000
    Console(file=buf, width=width, force_terminal=term, soft_wrap=True).print(table)
    _emit(buf.getvalue())


CSV_COLUMNS = ["image", "track", "frame", "text", "type", "region", "confidence", "detection_confidence",
               "x1", "y1", "x2", "y2", "lt_x", "lt_y", "rt_x", "rt_y", "rb_x", "rb_y", "lb_x", "lb_y", "error",
               "colour"]  # colour (session 20) last: scripts that read the columns by position keep working


def csv_rows(rec: dict) -> list[dict]:
    """One CSV row per plate (``frame``: a track's best frame); an image without plates or an error: one row."""
    base = {"image": rec["image"], "track": rec.get("track"), "frame": rec.get("best_frame")}
    if "error" in rec:
        return [base | {"error": rec["error"]}]
    rows = [base] if not rec["plates"] else []
    for p in rec["plates"]:
        corners = {f"{k}_{a}": v for k, c in zip(("lt", "rt", "rb", "lb"), p["corners"], strict=True)
                   for a, v in zip("xy", c, strict=True)}
        rows.append(base | {k: p[k] for k in ("text", "type", "colour", "region", "confidence", "detection_confidence")}
                    | dict(zip(("x1", "y1", "x2", "y2"), p["box"], strict=True)) | corners)
    return rows


# --- --workers N: N processes, each with its own Reader, reading inputs in input order ----------------

_reader = None  # the Reader of a worker process


def _init(reader_kw: dict) -> None:
    global _reader
    import cv2

    from platekit.inference.reader import Reader

    cv2.setNumThreads(reader_kw.get("threads", 1))
    _reader = Reader(**reader_kw)


def _work(task: tuple) -> list[dict]:
    path, err, vis_file, save_vis, every, min_track = task
    return list(read_one(path, err, _reader, save_vis, vis_file, every, min_track))


class WorkerReader:
    """Same records as ``run_read`` with one Reader, from ``workers`` processes (files, not live streams)."""

    def __init__(self, reader_kw: dict, workers: int, chunksize: int = 4):
        from platekit.inference.reader import Reader

        Reader(**reader_kw)  # bad model paths / regions fail here, once, with the usual message
        self.reader_kw, self.workers, self.chunksize = reader_kw, workers, chunksize

    def run_read(self, items: Iterable[tuple[str, str | None]], save_vis: str | None = None,
                 progress: Callable[[], None] | None = None, every: int | None = None,
                 min_track: int = 2) -> Iterator[dict]:
        tasks = ((p, err, vis, save_vis, every, min_track) for p, err, vis in with_vis_files(items, save_vis))
        # fork: workers start in milliseconds; no onnxruntime session is open in this process by now
        ctx = mp.get_context("fork" if sys.platform == "linux" else "spawn")
        with ctx.Pool(self.workers, initializer=_init, initargs=(self.reader_kw,)) as pool:
            for recs in pool.imap(_work, tasks, chunksize=self.chunksize):
                if progress is not None:
                    progress()
                yield from recs


def read_cmd(
    paths: list[str] = typer.Argument(..., help="Image files, directories (recursive), videos (mp4, avi), "
                                      "a webcam index (0) or a stream URL (rtsp://, http://)."),
    crops: bool = typer.Option(False, "--crops", help="Inputs are plate crops: no detection, box = whole image."),
    format: OutFormat = typer.Option(OutFormat.table, "--format",
                                     help="Output: table, jsonl (one JSON line per image / track) or csv "
                                     "(one row per plate)."),
    region: RegionOpt = typer.Option(RegionOpt.cn, "--region", help="Plate region: cn, ru, latin (Latin-alphabet plates: Europe, the Americas ...), or auto: each plate routed to the reader of its script by the shipped region classifier; a plate no reader fits is reported unread, with its box."),
    detector: str | None = typer.Option(None, "--detector", help="Shipped detector name or .onnx path."),
    recognizer: str | None = typer.Option(None, "--recognizer", help="Shipped recognizer name or .onnx path."),
    min_confidence: float | None = typer.Option(
        None, "--min-confidence", min=0.0, max=1.0,
        help="Drop plates read with lower confidence (default 0.5, chosen on the val split: docs/reading.md)."),
    refine_below: float | None = typer.Option(None, "--refine-below", min=0.0, max=1.0, help="Read a plate (or a "
                                              "--crops crop) below this confidence again from six slightly moved "
                                              "crops (default: the Reader's, 0.9); 0: read once."),
    save_vis: str | None = typer.Option(None, "--save-vis", help="Write annotated images / best video frames here."),
    threads: int = typer.Option(1, "--threads", min=1, help="onnxruntime intra-op threads."),
    every: int | None = typer.Option(None, "--every", min=1, help="Video / stream: read every N-th frame "
                                     "(default: about 10 frames per second)."),
    min_track: int = typer.Option(2, "--min-track", min=1, help="Video / stream: drop tracks seen on fewer "
                                  "sampled frames (a one-frame false detection is not a plate)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes reading files in parallel (output order "
                                "kept; not for webcams and streams)."),
    full_decode: bool = typer.Option(False, "--full-decode", help="Always decode JPEGs at full size (default: a "
                                     "large JPEG is decoded at 1/2-1/8 for the detector, full-size pixels only for "
                                     "plates too small there; docs/reading.md)."),
    no_retry: bool = typer.Option(False, "--no-retry", help="Look for plates once (default: an image where the "
                                  "detector finds none gets one more look on a larger canvas; docs/detector.md)."),
    detect_size: int | None = typer.Option(None, "--detect-size", min=64, max=4096,
                                           help="Long side of the detector's first-look canvas (default: the "
                                                "detector's, 384; 256 detects ~1.8x faster, finds fewer small far "
                                                "plates: docs/detector.md 'Session 18')."),
    no_colour: bool = typer.Option(False, "--no-colour", help="Do not judge Chinese plates' colour (\"colour\": null; "
                                   "a 7-character text is then typed cn-blue, no green specialist; ~0.4 ms less per Chinese plate)."),
) -> None:
    """Find and read licence plates in images, folders, videos, webcams and streams."""
    import cv2

    from platekit.errors import PlatekitError
    from platekit.inference.reader import Reader

    cv2.setNumThreads(threads)  # OpenCV resize/warp share the same thread budget
    reader_kw = dict(region=region.value, detector=detector, recognizer=recognizer, threads=threads,
                     min_confidence=min_confidence, crops=crops, reduced_decode=not full_decode,
                     detect_retry=not no_retry, detect_size=detect_size)
    if no_colour:
        reader_kw["colour"] = False
    if refine_below is not None:
        reader_kw["refine_below"] = refine_below
    inputs = list(expand_inputs(paths))
    live = any(is_live(p) for p, _ in inputs)
    if workers > 1 and live:
        raise PlatekitError("--workers reads files and folders; read a webcam or a stream with one process")
    if workers > 1:  # checks the models here, reads in the worker processes
        read = WorkerReader(reader_kw, workers).run_read
    else:
        read = functools.partial(run_read, reader=Reader(**reader_kw))
    if save_vis:
        os.makedirs(save_vis, exist_ok=True)
    failed = False
    opts = {"every": every, "min_track": min_track}
    if format is OutFormat.table and not live:
        if len(inputs) > 5 and verbosity() >= 0:  # progress bar on stderr (not with -q), table on stdout
            with typer.progressbar(length=len(inputs), label="reading", file=sys.stderr) as bar:
                out = list(read(inputs, save_vis=save_vis, progress=lambda: bar.update(1), **opts))
        else:
            out = list(read(inputs, save_vis=save_vis, **opts))
        failed = any("error" in r for r in out)
        print_table(out)
    else:  # streamed: each record is printed as soon as it exists (tracks as they end)
        writer = csv.DictWriter(_Utf8Out(), CSV_COLUMNS, lineterminator="\n")
        if format is OutFormat.csv:
            writer.writeheader()
        for i, rec in enumerate(read(inputs, save_vis=save_vis, **opts)):
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
