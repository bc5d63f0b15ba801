"""``platekit serve``: the HTTP service (FastAPI + uvicorn, extra ``platekit[serve]``)."""

from __future__ import annotations

import typer

from platekit.cli.read import RegionOpt


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    region: RegionOpt = typer.Option(RegionOpt.cn, "--region", help="Plate region (auto: every recognizer)."),
    detector: str | None = typer.Option(None, "--detector", help="Shipped detector name or .onnx path."),
    recognizer: str | None = typer.Option(None, "--recognizer", help="Shipped recognizer name or .onnx path."),
    min_confidence: float | None = typer.Option(
        None, "--min-confidence", min=0.0, max=1.0,
        help="Drop plates read with lower confidence (default 0.5, chosen on the val split: docs/reading.md); "
        "each request may pass its own ?min_confidence="),
    threads: int = typer.Option(1, "--threads", min=1, help="onnxruntime intra-op threads."),
    max_upload_mb: float = typer.Option(10.0, "--max-upload-mb", help="Refuse larger uploads (413)."),
) -> None:
    """Serve POST /v1/read?region=&min_confidence=, GET /healthz and an upload page at / (API docs: /docs)."""
    import uvicorn

    from platekit.serve.app import create_app

    app = create_app(
        max_bytes=int(max_upload_mb * 1024 * 1024), region=region.value, detector=detector,
        recognizer=recognizer, threads=threads, min_confidence=min_confidence,
    )
    uvicorn.run(app, host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
