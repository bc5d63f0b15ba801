"""``platekit eval reader DATA``: the end-to-end reader (shipped models by default) scored on labelled images."""

from __future__ import annotations

import json
import os

import typer


def register(group: typer.Typer) -> None:
    @group.command("reader")
    def eval_reader(
        data: str = typer.Argument(..., help="Labelled images: a CCPD folder, a folder with labels.csv "
                                             "(+ boxes.jsonl), a crop folder, Nomeroff or a CSV file."),
        region: str = typer.Option("cn", "--region", help="Reader region: cn | ru | latin | auto."),
        crops: bool = typer.Option(False, "--crops", help="The images are plate crops (no detection)."),
        split: str = typer.Option("all", help="all | val | train: the project's by-text split (CCPD training data)."),
        detector: str | None = typer.Option(None, "--detector", help="Shipped detector name or .onnx path."),
        recognizer: str | None = typer.Option(None, "--recognizer", help="Shipped recognizer name or .onnx path."),
        min_confidence: float | None = typer.Option(None, "--min-confidence",
                                                    help="Reader threshold (default: the Reader's)."),
        refine_below: float | None = typer.Option(None, "--refine-below", min=0.0, max=1.0,
                                                  help="Reader refine_below (default: the Reader's): re-read plates / "
                                                       "crops below this confidence from moved crops; 0: read once "
                                                       "(the crop-mode numbers before session 16)."),
        no_retry: bool = typer.Option(False, "--no-retry", help="Reader detect_retry=False: look for plates once "
                                      "(the scene numbers before session 17)."),
        no_colour: bool = typer.Option(False, "--no-colour", help="Reader colour=False: no plate-colour "
                                       "classifier, so no green-plate specialist either (the path before session 20)."),
        detect_size: int | None = typer.Option(None, "--detect-size", min=64, max=4096,
                                               help="Reader detect_size: the detector's first-look canvas (default: "
                                                    "the detector's)."),
        limit: int = typer.Option(0, "--limit", help="Only the first N images (0: all)."),
        threads: int = typer.Option(1, "--threads", help="onnxruntime threads."),
        baseline: bool = typer.Option(False, "--baseline", help="Also run RapidOCR PP-OCRv4 (dev extra) on the "
                                      "same images in this run: exact (any text line) and ms, per group."),
        out: str | None = typer.Option(None, "--out", "-o",
                                       help="Write report.json, outcomes.jsonl and errors.png here "
                                            "(default runs/eval_reader/<data folder name>; '' to skip)."),
    ):
        """End-to-end exact-plate accuracy, CER, coverage, detection recall, per-group and per-province tables."""
        from platekit.evaluation import reader as E  # noqa: N812
        from platekit.inference.reader import Reader

        items = E.load_items(data, split)
        if limit:
            items = items[:limit]
        kw = {k: v for k, v in (("min_confidence", min_confidence), ("refine_below", refine_below)) if v is not None}
        reader = Reader(region=region, detector=detector, recognizer=recognizer, threads=threads, crops=crops,
                        detect_retry=not no_retry, detect_size=detect_size, colour=False if no_colour else None,
                        **kw)
        typer.echo(f"{len(items)} labelled {'crops' if crops else 'images'} from {data} (split {split}), "
                   f"region {region}", err=True)
        outcomes = E.run(reader, items)
        rep = E.summarize(outcomes)
        rep.update({"data": data, "split": split, "region": region, "crops": crops,
                    "detector": None if crops else (detector or "shipped"), "recognizer": recognizer or "shipped"})
        typer.echo(E.table(rep))
        prov = E.province_table(rep)
        if prov:
            typer.echo("\nPer first character (province)\n" + prov)
        if rep["confusions"]:
            typer.echo("\nTop confusions (truth -> read): " +
                       ", ".join(f"{c['truth']}->{c['pred']} x{c['count']}" for c in rep["confusions"][:8]))
        typer.echo("Per-position accuracy (%): " + " ".join(f"{a * 100:.0f}" for a in rep["per_position"]))
        if baseline:
            base = None if crops else E.run_rapidocr(items, threads, reader=reader)
            rep["baseline"] = base
            typer.echo("\nBaseline, same images, same run\n" + E.baseline_table(rep, base) if base else
                       "\nno baseline: " + ("--baseline reads scenes, not crops" if crops else
                                            "rapidocr-onnxruntime is not installed (dev extra)"))
        if out is None:
            out = os.path.join("runs", "eval_reader", os.path.basename(os.path.normpath(data)) or "data")
        if out:
            paths = E.write_report(outcomes, rep, out)
            typer.echo("\nwrote " + json.dumps(paths))
