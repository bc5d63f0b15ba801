"""``platekit export CHECKPOINT... [-o OUT]``: torch checkpoint -> ONNX (uint8 NHWC input) + JSON sidecar.

The model kind (detector or recognizer) comes from the registry name stored in the checkpoint.
After export the ONNX output is compared with torch on random inputs and the max difference printed.
"""

from __future__ import annotations

from pathlib import Path

import typer


def _load(ckpt: Path):
    """A checkpoint -> (model, payload), torch set up for export (1 thread, denormals flushed); clear errors."""
    import torch

    from platekit.errors import PlatekitError
    from platekit.models.registry import load_checkpoint

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    if not ckpt.is_file():
        raise PlatekitError(f"{ckpt}: checkpoint not found")
    try:
        return load_checkpoint(str(ckpt))
    except (ValueError, KeyError, RuntimeError) as e:
        raise PlatekitError(f"{ckpt}: cannot load checkpoint ({e})") from None


def export_checkpoint(ckpt: Path, out: Path) -> tuple[str, float | None]:
    """-> (kind, max |torch - onnxruntime| or None for detectors checked by their own exporter)."""
    from platekit.models.registry import model_kind

    model, meta = _load(ckpt)
    kind = model_kind(meta["model_name"])
    if kind == "recognizer":
        from platekit.export.onnx import compare_onnx_torch, export_recognizer

        export_recognizer(model, meta, out)
        return kind, compare_onnx_torch(model, out)
    from platekit.export.detector import export_detector

    export_detector(str(ckpt), out, dynamic_hw=True)  # as shipped: raw output, stride-32 canvases
    return kind, None


def export_ensemble_cmd(checkpoints: list[Path], out: Path) -> float:
    """Recognizer checkpoints -> one averaging graph at ``out``; -> max |torch - onnxruntime|."""
    from platekit.errors import PlatekitError
    from platekit.export.onnx import ProbsEnsemble, compare_onnx_torch, export_ensemble
    from platekit.models.registry import model_kind

    models, metas = [], []
    for ckpt in checkpoints:
        m, meta = _load(ckpt)
        if model_kind(meta["model_name"]) != "recognizer":
            raise PlatekitError(f"{ckpt}: --ensemble takes recognizers only")
        models.append(m)
        metas.append(meta)
    try:
        export_ensemble(models, metas, out)
    except ValueError as e:
        raise PlatekitError(f"--ensemble: {e}") from None
    return compare_onnx_torch(ProbsEnsemble(models), out)


def export_cmd(
    checkpoints: list[Path] = typer.Argument(..., help="platekit .pt checkpoints or Lightning .ckpt files."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output .onnx (one checkpoint) or directory."),
    int8: str | None = typer.Option(None, "--int8", metavar="DATA",
                                    help="Recognizers: also write <name>_int8.onnx, convolutions quantized to int8 "
                                         "(uint8 activations x 7-bit weights: reduce_range, so the sums cannot "
                                         "saturate on x86 CPUs without VNNI), calibrated on 300 crops of DATA "
                                         "(its train split). The sidecar records how often the int8 model agrees "
                                         "with float, run with this CPU's kernels and op by op (the exact sums a "
                                         "VNNI CPU computes). The shipped models are float."),
    ensemble: bool = typer.Option(False, "--ensemble", help="Recognizers of one region and alphabet: write ONE graph "
                                  "(--out FILE.onnx) that averages their probabilities position by position; the "
                                  "first checkpoint's input size is the graph's (docs/recognizers.md)."),
) -> None:
    """Export detectors and recognizers to ONNX (opset 17, dynamic batch, uint8 input) + JSON sidecar."""
    from platekit.errors import PlatekitError

    if ensemble:
        if out is None or out.suffix != ".onnx" or len(checkpoints) < 2:
            raise PlatekitError("--ensemble: give two or more recognizer checkpoints and --out FILE.onnx")
        if int8:
            raise PlatekitError("--ensemble and --int8 together are not supported: export the float ensemble")
        diff = export_ensemble_cmd(checkpoints, out)
        typer.echo(f"ensemble   {' + '.join(map(str, checkpoints))} -> {out} (+ {out.with_suffix('.json').name})  "
                   f"max |torch - onnxruntime| = {diff:.2e}")
        return

    if out is not None and out.suffix == ".onnx" and len(checkpoints) > 1:
        raise PlatekitError("--out names one .onnx file but several checkpoints were given; pass a directory")
    for ckpt in checkpoints:
        if out is None:
            dest = ckpt.with_suffix(".onnx")
        elif out.suffix == ".onnx":
            dest = out
        else:
            dest = out / (ckpt.stem + ".onnx")
        kind, diff = export_checkpoint(ckpt, dest)
        check = f"  max |torch - onnxruntime| = {diff:.2e}" if diff is not None else ""
        typer.echo(f"{kind:<10} {ckpt} -> {dest} (+ {dest.with_suffix('.json').name}){check}")
        if int8 and kind == "recognizer":
            from platekit.export.quantize import calibration_crops, quantize_recognizer
            from platekit.inference.session import load_sidecar

            side = load_sidecar(dest)
            crops = calibration_crops(int8, (side["input"]["width"], side["input"]["height"]),
                                      float(side.get("crop_margin", 0.05)), side["region"])
            q = dest.with_name(dest.stem + "_int8.onnx")
            chk = quantize_recognizer(dest, q, crops)["check"]
            typer.echo(f"{'int8':<10} {dest} -> {q} ({len(crops)} calibration crops; agrees with float on "
                       f"{chk['this_cpu_kernels']:.1%} with this CPU's kernels, {chk['exact_reference']:.1%} op by op)")
        elif int8:
            typer.echo(f"{'int8':<10} {ckpt}: --int8 applies to recognizers only; skipped")


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
