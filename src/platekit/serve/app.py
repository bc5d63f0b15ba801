"""FastAPI service: POST /v1/read (multipart image) -> the same JSON as one ``platekit read`` jsonl record.

    platekit serve --host 127.0.0.1 --port 8000
    curl -F image=@car.jpg 'http://127.0.0.1:8000/v1/read?region=cn&min_confidence=0.5'

Query: ``region`` (cn, ru, latin, auto; default the service's), ``min_confidence`` (0..1; default the
service's), ``draw=true`` (adds ``drawing``: the photo with the plates drawn, a JPEG data URL).
Errors: 413 upload too large (enforced while the body streams in, chunked or not), 415 not an
image content type, 400 undecodable image, 422 no file or a bad query value, 503 (with
Retry-After) when the read queue is full. ``GET /`` is an upload page, ``GET /docs`` the OpenAPI page.

Load: at most ``max_concurrent`` reads run at once per process (the others wait in a queue of
``max_queue``); ``GET /healthz`` runs on the event loop and never waits for a read.
``platekit serve --workers N`` runs N processes, each built by :func:`app_from_env`.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from pathlib import Path
from typing import Literal

import anyio
import cv2
import numpy as np
from fastapi import FastAPI, File, HTTPException, Query, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from platekit import __version__
from platekit.core.image import ImageError
from platekit.core.results import printable
from platekit.inference.schema import ImageRecord

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_CONCURRENT = 2  # reads at once per process: each can hold up to ~0.6 GB (an 80 M-pixel image)
DEFAULT_MAX_QUEUE = 64  # reads waiting for a slot; one more gets 503 + Retry-After
RETRY_AFTER_S = 1
ENV_OPTIONS = "PLATEKIT_SERVE_OPTIONS"  # create_app keyword arguments as JSON, for worker processes
OK_TYPES = ("image/", "application/octet-stream")
MULTIPART_SLACK = 64 * 1024  # form boundaries and headers around the file
PAGE = Path(__file__).with_name("page.html")
DRAWING_MAX_SIDE = 1600  # the drawing returned with draw=true is scaled down to this


class ServiceRecord(ImageRecord):
    drawing: str | None = None  # with draw=true: data:image/jpeg;base64,...


def create_app(
    reader=None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_concurrent: int = DEFAULT_MAX_CONCURRENT,
    max_queue: int = DEFAULT_MAX_QUEUE,
    **reader_kw,
) -> FastAPI:
    """An app around ``reader`` (a :class:`platekit.Reader`), or one built from ``reader_kw``."""
    if reader is None:
        from platekit.inference.reader import Reader

        reader = Reader(**reader_kw)
    app = FastAPI(title="platekit", version=__version__, description="Find and read licence plates.")
    app.state.reader = reader
    app.state.max_bytes = max_bytes
    readers, lock = {reader.region: reader}, threading.Lock()

    def reader_for(region: str | None):
        """The service's reader, or (another region) one with its settings and detector and that region's shipped
        recognizers (``Reader.for_region``), built on first use."""
        base = app.state.reader
        if region is None or region == base.region:
            return base
        with lock:
            if region not in readers:
                readers[region] = base.for_region(region)
            return readers[region]

    app.add_middleware(BodyLimit, limit=max_bytes, path="/v1/read")
    slots = anyio.CapacityLimiter(max_concurrent)
    from platekit.inference.catalog import running

    models = {  # described once: /healthz reads no file
        "detector": running(reader.detector) if reader.detector is not None else None,
        "recognizers": [running(r) for r in reader.recognizers],
    }

    @app.get("/healthz")
    async def healthz() -> dict:  # on the event loop: answered while every read slot is busy
        rd, stats = app.state.reader, slots.statistics()
        return {
            "status": "ok",
            "version": __version__,
            "region": rd.region,
            "min_confidence": rd.min_confidence,
            **models,
            "max_upload_bytes": max_bytes,
            "reads_running": stats.borrowed_tokens,
            "reads_waiting": stats.tasks_waiting,
            "max_concurrent": max_concurrent,
            "pid": os.getpid(),
        }

    def read_upload(buf: bytes, name: str, region: str | None, min_confidence: float | None, draw: bool) -> dict:
        """Decode (the result lists damage read anyway), read, draw: the blocking part of a request. The Reader
        decodes (a large JPEG at reduced size for the detector, Reader.pixels); the drawing uses the same decode."""
        reader = reader_for(region)
        item = reader.pixels(buf, name) if draw else buf  # drawing: keep the decoded pixels for it
        result, _ = reader.read_result(item, name, min_confidence=min_confidence)
        out = result.to_dict()
        if draw:
            out["drawing"] = _drawing(item.full(), result.plates, result.unread_boxes)
        return out

    @app.post("/v1/read", response_model=ServiceRecord, response_model_exclude_unset=True)
    async def read(
        image: UploadFile = File(..., description="an image file (jpeg, png, bmp, webp, tiff)"),
        region: Literal["cn", "ru", "latin", "auto"] | None = Query(None, description="Plate region (default: the "
                                                            "service's); auto: each plate routed to the reader of its script."),
        min_confidence: float | None = Query(None, ge=0, le=1, description="Drop readings below this "
                                             "confidence (default: the service's, 0.5 unless set)."),
        draw: bool = Query(False, description="Add `drawing`: the photo with the plates drawn (JPEG data URL)."),
    ) -> dict:
        ctype = (image.content_type or "").lower()
        if ctype and not ctype.startswith(OK_TYPES):
            raise HTTPException(415, f"unsupported content type {ctype!r}: upload an image (jpeg, png ...)")
        if slots.statistics().tasks_waiting >= max_queue:
            raise HTTPException(503, f"busy: {max_concurrent} reads running and {max_queue} waiting; retry later",
                                headers={"Retry-After": str(RETRY_AFTER_S)})
        name = printable(os.path.basename(image.filename or "upload"))
        async with slots:  # the bytes are loaded and decoded only once a slot is free
            buf = await image.read(max_bytes + 1)
            if len(buf) > max_bytes:
                raise HTTPException(413, _too_large(len(buf), max_bytes))
            t0 = time.perf_counter()
            try:
                out = await anyio.to_thread.run_sync(read_upload, buf, name, region, min_confidence, draw)
            except ImageError as e:
                raise HTTPException(400, str(e)) from None
            del buf
        out["ms"] = round((time.perf_counter() - t0) * 1e3, 2)
        return out

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return PAGE.read_text(encoding="utf-8")

    return app


def _drawing(rgb: np.ndarray, plates, unread=()) -> str:
    """The image with its plates (and unread boxes) drawn (platekit.draw), at most DRAWING_MAX_SIDE px, as a
    JPEG data URL."""
    from platekit.inference.vis import draw

    out = draw(rgb, plates, color="rgb", unread=unread)
    scale = DRAWING_MAX_SIDE / max(out.shape[:2])
    if scale < 1:
        out = cv2.resize(out, (round(out.shape[1] * scale), round(out.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return "data:image/jpeg;base64," + base64.b64encode(jpg.tobytes()).decode("ascii")


class BodyLimit:
    """ASGI middleware: 413 for a request body over ``limit`` (+ multipart slack) on ``path``.

    Checked from Content-Length before anything is read, and by counting the bytes as they arrive
    (a chunked upload has no Content-Length): at most the limit plus one chunk is ever received or
    spooled to disk.
    """

    def __init__(self, app, limit: int, path: str):
        self.app, self.limit, self.path = app, limit, path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != self.path:
            return await self.app(scope, receive, send)
        cap = self.limit + MULTIPART_SLACK
        n = dict(scope["headers"]).get(b"content-length", b"")
        if n.isdigit() and int(n) > cap:
            return await JSONResponse({"detail": _too_large(int(n), self.limit)}, 413)(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > cap:  # raised inside the form parser; FastAPI answers it as JSON
                    raise HTTPException(413, _too_large(None, self.limit))
            return msg

        await self.app(scope, counted, send)


def app_from_env() -> FastAPI:
    """The app factory each ``platekit serve --workers N`` process calls (options from $PLATEKIT_SERVE_OPTIONS)."""
    return create_app(**json.loads(os.environ.get(ENV_OPTIONS, "{}")))


def _too_large(n: int | None, limit: int) -> str:
    if n is None:  # a chunked body: stopped at the limit, its full size is never known
        return f"upload too large (chunked body over the limit of {limit:,} bytes)"
    return f"upload too large ({n:,} bytes; limit {limit:,} bytes)"
