"""``platekit models``: the shipped models (or the .onnx files given): name, kind, region, size, version,
measured accuracy and where it was measured (all from the JSON sidecars; no torch)."""

from __future__ import annotations

import json

import typer


def models_cmd(
    paths: list[str] = typer.Argument(None, help="Describe these .onnx files (sidecar next to each) instead."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per model, one per line."),
) -> None:
    """List the models: shipped ones by default (the names --detector / --recognizer accept)."""
    from platekit.errors import PlatekitError
    from platekit.inference.catalog import describe, shipped

    if paths:
        missing = [p for p in paths if not p.endswith(".onnx")]
        if missing:
            raise PlatekitError(f"{missing[0]}: give .onnx files (with their .json sidecar)")
        infos = [describe(p) for p in paths]
    else:
        infos = shipped()
    if as_json:
        for m in infos:
            typer.echo(json.dumps(m.to_dict(), ensure_ascii=False))
        return
    rows = [["name", "kind", "architecture", "region", "MB", "params", "version", "measured", "on"]]
    for m in infos:
        params = f"{m.params / 1e6:.2f} M" if m.params else "-"
        head = [m.name, m.kind, m.architecture, m.region or "-", f"{m.size_bytes / 1e6:.1f}", params, m.version]
        measured = m.measured or ()
        if not measured:
            rows.append(head + ["not measured (no metrics in the sidecar)", ""])
        for i, meas in enumerate(measured):
            rows.append((head if i == 0 else [""] * len(head)) + [meas.what, meas.where])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])


def register(app: typer.Typer) -> None:
    app.command("models")(models_cmd)
