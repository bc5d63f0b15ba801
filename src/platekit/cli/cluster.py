"""``platekit cluster read INPUT... --out DIR``: read a large image collection on a Dask cluster."""

from __future__ import annotations

import json
import logging

import typer

from platekit.errors import PlatekitError

log = logging.getLogger(__name__)


def cluster_read(
    inputs: list[str] = typer.Argument(..., help="Images, folders (recursive), or @list.txt (one path a line)."),
    out: str = typer.Option(..., "--out", help="Folder for part-NNNNN.jsonl (shared by the workers)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 "
                                         "(default: a local cluster)."),
    local_workers: int = typer.Option(2, "--local-workers", min=1, help="Processes of the local cluster."),
    partition_size: int = typer.Option(1000, "--partition-size", min=1, help="Inputs per task and output file."),
    crops: bool = typer.Option(False, "--crops", help="Inputs are plate crops: no detection."),
    region: str = typer.Option("cn", "--region", help="Plate region: cn, ru, latin or auto."),
    detector: str | None = typer.Option(None, "--detector", help="Shipped detector name or .onnx path."),
    recognizer: str | None = typer.Option(None, "--recognizer", help="Shipped recognizer name or .onnx path."),
    min_confidence: float | None = typer.Option(None, "--min-confidence", min=0.0, max=1.0,
                                                help="Drop plates read with lower confidence (default: as read)."),
) -> None:
    """Read images on a Dask cluster: one JSONL file per partition (the records of read --format jsonl).

    A rerun with the same inputs and --partition-size skips the parts already written."""
    try:
        from platekit.cluster.dask_read import read_on_cluster
    except ModuleNotFoundError as e:
        raise PlatekitError(f"missing dependency {e.name!r}: pip install 'platekit[cluster]'") from None

    reader_kw = dict(region=region, detector=detector, recognizer=recognizer, threads=1,
                     min_confidence=min_confidence, crops=crops)
    totals = {"parts": 0, "skipped": 0, "images": 0, "errors": 0}
    for r in read_on_cluster(inputs, out, reader_kw, scheduler, local_workers, partition_size):
        totals["parts"] += 1
        totals["skipped"] += r.skipped
        totals["images"] += r.images
        totals["errors"] += r.errors
        log.info(f"{r.part}: {'already written' if r.skipped else f'{r.images} inputs, {r.errors} errors'}")
    typer.echo(json.dumps(totals))
    if totals["errors"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Scale out on a cluster (Dask).", no_args_is_help=True)
    group.command("read")(cluster_read)
    app.add_typer(group, name="cluster")
