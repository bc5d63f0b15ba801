"""FastAPI service: POST /v1/read (multipart image) -> the same JSON as one ``platekit read`` jsonl record.

    platekit serve --host 127.0.0.1 --port 8000
    curl -F image=@car.jpg 'http://127.0.0.1:8000/v1/read?region=cn&min_confidence=0.5'

Query: ``region`` (cn, ru, auto; default the service's), ``min_confidence`` (0..1; default the
service's), ``draw=true`` (adds ``drawing``: the photo with the plates drawn, a JPEG data URL).
Errors: 413 upload too large, 415 not an image content type, 400 undecodable image, 422 no file or
a bad query value. ``GET /`` is an upload page, ``GET /docs`` the OpenAPI page.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from fastapi import FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from platekit import __version__
from platekit.core.image import ImageError, decode_image
from platekit.inference.schema import ImageRecord

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
OK_TYPES = ("image/", "application/octet-stream")
MULTIPART_SLACK = 64 * 1024  # form boundaries and headers around the file
PAGE = Path(__file__).with_name("page.html")
DRAWING_MAX_SIDE = 1600  # the drawing returned with draw=true is scaled down to this


class ServiceRecord(ImageRecord):
    drawing: str | None = None  # with draw=true: data:image/jpeg;base64,...


def create_app(reader=None, max_bytes: int = DEFAULT_MAX_BYTES, **reader_kw) -> FastAPI:
    """An app around ``reader`` (a :class:`platekit.Reader`), or one built from ``reader_kw``."""
    if reader is None:
        from platekit.inference.reader import Reader

        reader = Reader(**reader_kw)
    app = FastAPI(title="platekit", version=__version__, description="Find and read licence plates.")
    app.state.reader = reader
    app.state.max_bytes = max_bytes
    readers, lock = {reader.region: reader}, threading.Lock()

    def reader_for(region: str | None):
        """The service's reader, or (another region) one sharing its detector with that region's shipped
        recognizers, built on first use."""
        base = app.state.reader
        if region is None or region == base.region:
            return base
        with lock:
            if region not in readers:
                from platekit.inference.reader import Reader

                readers[region] = Reader(
                    region=region, detector=base.detector, threads=base.threads, min_confidence=base.min_confidence,
                    crops=base.crops, refine_below=base.refine_below, verify_low=base.verify_low,
                    verify_confidence=base.verify_confidence)
            return readers[region]

    @app.middleware("http")
    async def limit_size(request: Request, call_next):
        n = request.headers.get("content-length")
        if request.url.path == "/v1/read" and n and n.isdigit() and int(n) > max_bytes + MULTIPART_SLACK:
            return JSONResponse({"detail": _too_large(int(n), max_bytes)}, status_code=413)
        return await call_next(request)

    @app.get("/healthz")
    def healthz() -> dict:
        from platekit.inference.catalog import running

        rd = app.state.reader
        return {
            "status": "ok",
            "version": __version__,
            "region": rd.region,
            "min_confidence": rd.min_confidence,
            "detector": running(rd.detector) if rd.detector is not None else None,
            "recognizers": [running(r) for r in rd.recognizers],
            "max_upload_bytes": max_bytes,
        }

    @app.post("/v1/read", response_model=ServiceRecord, response_model_exclude_unset=True)
    def read(
        image: UploadFile = File(..., description="an image file (jpeg, png, bmp, webp, tiff)"),
        region: Literal["cn", "ru", "auto"] | None = Query(None, description="Plate region (default: the "
                                                            "service's); auto: every shipped recognizer."),
        min_confidence: float | None = Query(None, ge=0, le=1, description="Drop readings below this "
                                             "confidence (default: the service's, 0.5 unless set)."),
        draw: bool = Query(False, description="Add `drawing`: the photo with the plates drawn (JPEG data URL)."),
    ) -> dict:
        ctype = (image.content_type or "").lower()
        if ctype and not ctype.startswith(OK_TYPES):
            raise HTTPException(415, f"unsupported content type {ctype!r}: upload an image (jpeg, png ...)")
        buf = image.file.read(max_bytes + 1)
        if len(buf) > max_bytes:
            raise HTTPException(413, _too_large(len(buf), max_bytes))
        name = os.path.basename(image.filename or "upload")
        t0 = time.perf_counter()
        try:
            rgb = decode_image(buf, name)
            result, _ = reader_for(region).read_result(rgb, name, color="rgb", min_confidence=min_confidence)
        except ImageError as e:
            raise HTTPException(400, str(e)) from None
        out = result.to_dict()
        if draw:
            out["drawing"] = _drawing(rgb, result.plates)
        out["ms"] = round((time.perf_counter() - t0) * 1e3, 2)
        return out

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return PAGE.read_text(encoding="utf-8")

    return app


def _drawing(rgb: np.ndarray, plates) -> str:
    """The image with its plates drawn (platekit.draw), at most DRAWING_MAX_SIDE px, as a JPEG data URL."""
    from platekit.inference.vis import draw

    out = draw(rgb, plates, color="rgb")
    scale = DRAWING_MAX_SIDE / max(out.shape[:2])
    if scale < 1:
        out = cv2.resize(out, (round(out.shape[1] * scale), round(out.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return "data:image/jpeg;base64," + base64.b64encode(jpg.tobytes()).decode("ascii")


def _too_large(n: int, limit: int) -> str:
    return f"upload too large ({n:,} bytes; limit {limit:,} bytes)"
