"""``platekit data {stats,show}``: look at a dataset before training on it."""

from __future__ import annotations

import json
import os
import warnings

import typer

KIND_HELP = "Dataset kind: auto, ccpd, crops, nomeroff, csv, detection-jsonl."


def _load(path: str, kind: str):
    """(kind, samples, skipped messages); DataWarnings are printed as one line each on stderr."""
    from platekit.data.readers import DataWarning, detect_kind, load_detections, load_plates

    kind = detect_kind(path) if kind == "auto" else kind
    skipped: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        if kind == "detection-jsonl":
            samples = load_detections(path, kind, skipped=skipped)
        else:
            samples = load_plates(path, kind, skipped=skipped)
    for w in caught:
        if issubclass(w.category, DataWarning):
            typer.echo(f"platekit: warning: {w.message}", err=True)
    return kind, samples, skipped


def stats(
    path: str = typer.Argument(..., help="CCPD folder, crop folder, Nomeroff folder, CSV or detection JSONL."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    kind: str = typer.Option("auto", "--kind", help=KIND_HELP),
):
    """Count, format mix, characters by position, image sizes, and the by-text train/val split."""
    from platekit.data.readers import DetectionSample
    from platekit.data.stats import detection_stats, format_stats, plate_stats

    kind, samples, skipped = _load(path, kind)
    fn = detection_stats if isinstance(samples[0], DetectionSample) else plate_stats
    st = fn(samples, path=path, kind=kind, skipped=skipped)
    typer.echo(json.dumps(st, ensure_ascii=False, indent=2) if as_json else format_stats(st))


def show(
    path: str = typer.Argument(..., help="CCPD folder, crop folder, Nomeroff folder, CSV or detection JSONL."),
    out: str = typer.Option(..., "--out", "-o", help="Output image (.png / .jpg)."),
    n: int = typer.Option(24, "--n", min=1, help="Number of samples, spread evenly over the dataset."),
    cols: int = typer.Option(6, "--cols", min=1, help="Tiles per row."),
    tile: int = typer.Option(200, "--tile", min=32, help="Tile width in pixels."),
    colors: int = typer.Option(0, "--colors", min=0, max=256, help="Quantise to a palette (0: full colour)."),
    kind: str = typer.Option("auto", "--kind", help=KIND_HELP),
):
    """Contact sheet: thumbnails with plate text, box (green) and corners (red, lt dot yellow) drawn."""
    from platekit.data.sheet import make_contact_sheet, pick, save_sheet

    kind, samples, _ = _load(path, kind)
    name = os.path.basename(os.path.normpath(path))
    shown = len(pick(len(samples), n))
    sheet = make_contact_sheet(samples, n=n, cols=cols, tile=tile, title=f"{name}: {shown} of {len(samples)} ({kind})")
    save_sheet(sheet, out, colors)
    typer.echo(f"wrote {out} ({sheet.width}x{sheet.height}, {shown} samples, {os.path.getsize(out) // 1024} KB)")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Inspect datasets: statistics and contact sheets.", no_args_is_help=True)
    group.command("stats")(stats)
    group.command("show")(show)
    app.add_typer(group, name="data")
