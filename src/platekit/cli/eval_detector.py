"""``platekit eval detector MODEL DATA``: AP50, recall/precision at the operating threshold, recall at
precision >= 99%, corner error / plate width, ms per scene, galleries of misses and false positives."""

from __future__ import annotations

import json
import os

import typer


def load_eval_records(data: str, split: str, val_fraction: float = 0.2) -> list[dict]:
    """A CCPD scene folder (split by plate text) or a detection labels.jsonl / its folder (split by prefix)."""
    from platekit.errors import PlatekitError
    from platekit.train.detector import ccpd_split, jsonl_records

    if split not in ("train", "val", "all"):
        raise PlatekitError(f"--split must be train, val or all, not {split!r}")
    if os.path.isfile(data) or os.path.isfile(os.path.join(data, "labels.jsonl")):
        tr, va = jsonl_records(data)
    elif os.path.isdir(data):
        tr, va = ccpd_split(data, val_fraction)
        if not tr and not va:
            raise PlatekitError(f"{data}: no CCPD-named images and no labels.jsonl")
    else:
        raise PlatekitError(f"{data}: no such file or directory")
    return {"train": tr, "val": va, "all": tr + va}[split]


def register(group: typer.Typer) -> None:
    @group.command("detector")
    def eval_detector(
        model: str = typer.Argument(..., help="Detector checkpoint (.ckpt/.pt) or exported .onnx (with sidecar)."),
        data: str = typer.Argument(..., help="CCPD scene folder, or detection labels.jsonl (or its folder)."),
        split: str = typer.Option("val", help="train | val | all (CCPD: by plate text; jsonl: by image prefix)."),
        threshold: float = typer.Option(None, help="Operating score threshold (default: the model's)."),
        nms_iou: float = typer.Option(None, help="NMS IoU (default: the model's)."),
        input_size: int = typer.Option(None, help="Square input size override (checkpoints only)."),
        out: str = typer.Option(None, help="Folder for report.json and the misses / false-positive galleries."),
        limit: int = typer.Option(None, help="Evaluate only the first N images."),
        threads: int = typer.Option(1, help="Inference threads."),
        bench: bool = typer.Option(False, help="Also time one scene (letterbox + model + NMS), 50 runs."),
        sweep: str = typer.Option(None, help="Comma-separated thresholds to report recall/precision at, e.g. 0.4,0.5,0.6"),
    ):
        """Evaluate a plate detector on labelled scenes."""
        from platekit.core.image import load_image
        from platekit.errors import PlatekitError
        from platekit.evaluation.detector import DetectorRunner, bench_scene, evaluate_detector

        records = load_eval_records(data, split)[:limit]
        runner = DetectorRunner(model, threads, (input_size, input_size) if input_size else None)
        try:
            ts = tuple(float(t) for t in sweep.split(",")) if sweep else ()
        except ValueError:
            raise PlatekitError(f"--sweep {sweep!r}: expected comma-separated numbers") from None
        m = evaluate_detector(runner, records, threshold, nms_iou, out, sweep=ts)
        if bench and records:
            m["bench"] = bench_scene(runner, load_image(records[0]["path"]))
            if out:
                with open(os.path.join(out, "report.json"), "w", encoding="utf-8") as f:
                    json.dump(m, f, indent=2)
        typer.echo(json.dumps(m, indent=2))
