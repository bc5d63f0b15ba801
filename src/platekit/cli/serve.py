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
    threads: int = typer.Option(1, "--threads", min=1, help="onnxruntime intra-op threads per read."),
    max_upload_mb: float = typer.Option(10.0, "--max-upload-mb", help="Refuse larger uploads (413)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes (each loads the models)."),
    max_concurrent: int = typer.Option(2, "--max-concurrent", min=1, help="Reads at once per worker."),
    max_queue: int = typer.Option(64, "--max-queue", min=0, help="Reads waiting per worker; more get 503."),
) -> None:
    """Serve POST /v1/read?region=&min_confidence=, GET /healthz and an upload page at / (API docs: /docs)."""
    import json
    import os

    import uvicorn

    from platekit.serve.app import ENV_OPTIONS, create_app

    opts = dict(
        max_bytes=int(max_upload_mb * 1024 * 1024), max_concurrent=max_concurrent, max_queue=max_queue,
        region=region.value, detector=detector, recognizer=recognizer, threads=threads,
        min_confidence=min_confidence,
    )
    app = create_app(**opts)  # a bad model or option fails here, with a clear message
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    del app
    os.environ[ENV_OPTIONS] = json.dumps(opts)  # each worker process builds its own app from these
    uvicorn.run("platekit.serve.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
