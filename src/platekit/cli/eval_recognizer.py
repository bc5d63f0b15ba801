"""``platekit eval recognizer CKPT DATA``: accuracy, CER, coverage, confusions, error gallery, JSON."""

from __future__ import annotations

import json

import typer


def register(group: typer.Typer) -> None:
    @group.command("recognizer")
    def eval_recognizer(
        ckpt: str = typer.Argument(..., help="Recognizer: .ckpt / .pt checkpoint or exported .onnx (+ .json sidecar)."),
        data: str = typer.Argument(..., help="Labelled plates (CCPD folder, crop folder, Nomeroff, CSV) "
                                             "or synth:FMT[,FMT] for synthetic plates."),
        split: str = typer.Option("all", help="all | train | val: the by-text split (data.split.split_by_text)."),
        val_fraction: float = typer.Option(0.2, help="Validation fraction of the by-text split."),
        mode: str = typer.Option("corners", help="Scene crops: corners (rectified) | bbox (plain box crop)."),
        kind: str = typer.Option("auto", help="Dataset kind: auto | ccpd | crops | nomeroff | csv."),
        out: str = typer.Option(None, "--out", "-o", help="Directory for report.json and the PNGs."),
        constrained: bool = typer.Option(True, help="Format-constrained decoding (--no-constrained: free)."),
        n: int = typer.Option(1000, help="Synthetic plates to generate (synth:...)."),
        seed: int = typer.Option(777, help="Seed of the synthetic plates."),
        difficulty: float = typer.Option(0.5, help="Difficulty of the synthetic plates."),
        filter_first: str = typer.Option(None, "--exclude-first", help="Drop plates whose first character is this."),
        threads: int = typer.Option(1, help="CPU threads."),
        cache_dir: str = typer.Option(None, help="Cache crops here (npz) for repeated evaluations."),
    ):
        """Evaluate a recognizer on labelled plates; prints the summary, writes report.json + PNGs with --out."""
        import numpy as np

        from platekit.errors import PlatekitError
        from platekit.evaluation.recognizer import evaluate, load_recognizer, synthetic_set

        if mode not in ("corners", "bbox"):
            raise PlatekitError(f"--mode must be corners or bbox, got {mode!r}")
        rec = load_recognizer(ckpt, threads)
        h, w = rec.input_size
        if data.startswith("synth:"):
            crops, texts = synthetic_set(data, (w, h), rec.crop_margin, n, seed, difficulty)
        else:
            from platekit.train import rec_data as rd

            samples = rd.load_samples(rd.Source(data, kind, split, val_fraction), rec.region_spec)
            if not samples:
                raise PlatekitError(f"{data}: no plates of region {rec.region!r} found")
            is_scene = any(s.corners is not None or s.box is not None for s in samples)
            crops, texts = rd.eval_crops(samples, (w, h), mode if is_scene else "whole", rec.crop_margin, cache_dir)
        if filter_first:
            keep = np.array([not t.startswith(filter_first) for t in texts])
            crops, texts = crops[keep], [t for t, k in zip(texts, keep, strict=True) if k]
        rep = evaluate(rec, crops, texts, constrained, out, title=f"{rec.name} on {data} ({split}, {mode})")
        short = {k: rep[k] for k in ("model", "n", "plate_acc", "cer", "acc_at_coverage", "ms_per_crop_batch1", "params")}
        short["subsets"] = rep["subsets"]
        short["top_confusions"] = rep["top_confusions"][:5]
        typer.echo(json.dumps(short, indent=2, ensure_ascii=False))
