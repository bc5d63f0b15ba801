"""FastAPI service: POST /v1/read (multipart image) -> the same JSON as one ``platekit read`` jsonl record.

    platekit serve --host 127.0.0.1 --port 8000
    curl -F image=@car.jpg http://127.0.0.1:8000/v1/read

Errors: 413 upload too large, 415 not an image content type, 400 undecodable image, 422 no file.
"""

from __future__ import annotations

import os
import time

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from platekit import __version__
from platekit.core.image import ImageError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
OK_TYPES = ("image/", "application/octet-stream")
MULTIPART_SLACK = 64 * 1024  # form boundaries and headers around the file


def create_app(reader=None, max_bytes: int = DEFAULT_MAX_BYTES, **reader_kw) -> FastAPI:
    """An app around ``reader`` (a :class:`platekit.Reader`), or one built from ``reader_kw``."""
    if reader is None:
        from platekit.inference.reader import Reader

        reader = Reader(**reader_kw)
    app = FastAPI(title="platekit", version=__version__, description="Find and read licence plates.")
    app.state.reader = reader
    app.state.max_bytes = max_bytes

    @app.middleware("http")
    async def limit_size(request: Request, call_next):
        n = request.headers.get("content-length")
        if request.url.path == "/v1/read" and n and n.isdigit() and int(n) > max_bytes + MULTIPART_SLACK:
            return JSONResponse({"detail": _too_large(int(n), max_bytes)}, status_code=413)
        return await call_next(request)

    @app.get("/healthz")
    def healthz() -> dict:
        rd = app.state.reader
        return {
            "status": "ok",
            "version": __version__,
            "detector": getattr(rd.detector, "name", None),
            "recognizers": [getattr(r, "name", type(r).__name__) for r in rd.recognizers],
            "max_upload_bytes": max_bytes,
        }

    @app.post("/v1/read")
    def read(image: UploadFile = File(..., description="an image file (jpeg, png, bmp, webp, tiff)")) -> dict:
        ctype = (image.content_type or "").lower()
        if ctype and not ctype.startswith(OK_TYPES):
            raise HTTPException(415, f"unsupported content type {ctype!r}: upload an image (jpeg, png ...)")
        buf = image.file.read(max_bytes + 1)
        if len(buf) > max_bytes:
            raise HTTPException(413, _too_large(len(buf), max_bytes))
        name = os.path.basename(image.filename or "upload")
        t0 = time.perf_counter()
        try:
            result, _ = app.state.reader.read_result(buf, name)
        except ImageError as e:
            raise HTTPException(400, str(e)) from None
        out = result.to_dict()
        out["ms"] = round((time.perf_counter() - t0) * 1e3, 2)
        return out

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return INDEX_HTML

    return app


def _too_large(n: int, limit: int) -> str:
    return f"upload too large ({n:,} bytes; limit {limit:,} bytes)"


INDEX_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>platekit</title>
<style>body{font-family:sans-serif;margin:2em}canvas{max-width:100%;border:1px solid #ccc}
#out{font-size:1.4em}.err{color:#b00}</style></head>
<body><h1>platekit</h1>
<form id="f"><input type="file" id="file" name="image" accept="image/*"> <button>Read plates</button></form>
<p id="out"></p><canvas id="c"></canvas>
<script>
const f = document.getElementById('f'), out = document.getElementById('out'), c = document.getElementById('c');
f.onsubmit = async (e) => {
  e.preventDefault();
  const file = document.getElementById('file').files[0];
  if (!file) return;
  const fd = new FormData(); fd.append('image', file);
  out.textContent = 'reading...'; out.className = '';
  const r = await fetch('/v1/read', {method: 'POST', body: fd});
  const j = await r.json();
  if (!r.ok) { out.textContent = 'error: ' + (j.detail || r.status); out.className = 'err'; return; }
  const img = new Image();
  img.onload = () => {
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0);
    g.lineWidth = Math.max(2, img.width / 300); g.font = Math.max(16, img.width / 30) + 'px sans-serif';
    for (const p of j.plates) {
      g.strokeStyle = '#0f0'; g.beginPath();
      p.corners.forEach(([x, y], i) => i ? g.lineTo(x, y) : g.moveTo(x, y)); g.closePath(); g.stroke();
      g.fillStyle = '#000'; const t = p.text + ' ' + p.confidence.toFixed(2);
      g.fillRect(p.box[0], p.box[1] - 28, g.measureText(t).width + 8, 28);
      g.fillStyle = '#0f0'; g.fillText(t, p.box[0] + 4, p.box[1] - 6);
    }
  };
  img.src = URL.createObjectURL(file);
  out.textContent = j.plates.length ? j.plates.map(p => p.text).join(', ') + ` (${j.ms} ms)` : 'no plate found';
};
</script></body></html>
"""
