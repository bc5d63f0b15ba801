"""Hostile inputs (issue 17): FIFOs and devices, decompression bombs in every format, 16-bit images,
non-UTF-8 names, EXIF orientation, degenerate arrays, chunked oversized uploads, /healthz under
load, junk-filled JPEGs. Every bomb is built in memory in a few kilobytes (tests/_hostile.py).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
import tracemalloc

import anyio
import cv2
import httpx
import numpy as np
import pytest
from _hostile import bmp_rle8, gif_screen, jpeg_sof, png_zeros, tiff_deflate, webp_vp8x, with_exif_orientation
from _read_fixtures import scene

from platekit import Reader
from platekit.core.image import ImageError, decode_image, read_file, stat_input
from platekit.core.results import json_line
from platekit.serve.app import create_app

BOMBS = {
    "rle8.bmp": lambda: bmp_rle8(30000, 30000),
    "screen.gif": lambda: gif_screen(20000, 20000),
    "deflate.tif": lambda: tiff_deflate(9000, 9000, rows=10),  # 236 KB with all its rows
    "canvas.webp": lambda: webp_vp8x(16383, 16383),
    "frame.jpg": lambda: jpeg_sof(20000, 20000),
}
POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs and /dev/zero")


@pytest.fixture(scope="module")
def reader(models):
    return Reader(detector=models[0], recognizer=models[1], min_confidence=0.0)  # the toy recognizer is unsure


def jpg(rgb: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()


# --- decoding ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_refused_from_the_header(name):
    buf = BOMBS[name]()
    t0 = time.perf_counter()
    with pytest.raises(ImageError, match=r"image too large \(\d+x\d+ pixels, limit 80,000,000\)"):
        decode_image(buf, name)
    assert time.perf_counter() - t0 < 0.5 and len(buf) < 300_000


@pytest.mark.parametrize("make", [lambda: bmp_rle8(64, 48), lambda: tiff_deflate(64, 48), lambda: png_zeros(64, 48)])
def test_small_files_of_the_same_builders_decode(make):
    assert decode_image(make()).shape == (48, 64, 3)  # the builders make real images: the size check is what refuses


def test_gif_is_decoded(tmp_path):
    ok, buf = cv2.imencode(".gif", scene()[..., ::-1])
    assert ok and decode_image(buf.tobytes()).shape == (240, 320, 3)


def test_16bit_rgba_png_decoded_without_a_float_copy():
    buf = png_zeros(1500, 1000, depth=16, color=6)  # 12 MB of 16-bit RGBA once decoded
    tracemalloc.start()
    try:
        img = decode_image(buf)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert img.shape == (1000, 1500, 3) and img.dtype == np.uint8
    assert peak < 2 * img.nbytes  # was a float64 copy: 8 bytes x 4 channels per pixel (48 MB here)


def test_junk_jpeg_header_scan_is_fast():
    for buf in (b"\xff\xd8" + bytes(10_000_000), b"\xff\xd8" + b"\xff" * 10_000_000,
                b"\xff\xd8" + b"\xff\xfe\x00\x02" * 2_500_000):
        t0 = time.perf_counter()
        with pytest.raises(ImageError, match="not a decodable image"):
            decode_image(buf)
        assert time.perf_counter() - t0 < 0.3  # the pure-Python scan took 1.4-1.6 s on the first


def test_damaged_jpegs_are_read_with_a_warning(reader):
    good = jpg(scene())
    i = good.index(b"\xff\xdb")
    junk = good[:i] + b"\x01\x02\x03\x04" + good[i:]  # "4 extraneous bytes before marker 0xdb"
    warnings: list[str] = []
    assert decode_image(junk, warnings=warnings).shape == (240, 320, 3)
    assert warnings == ["4 extraneous bytes before JPEG markers (damaged file, decoded anyway)"]
    half, _ = reader.read_result(good[: len(good) // 2])  # no end marker: OpenCV alone refuses it
    rec = half.to_dict()
    assert rec["image"] == "<bytes>" and "truncated JPEG" in rec["warnings"][0] and (rec["width"], rec["height"]) == (320, 240)
    assert "warnings" not in reader.read_result(good)[0].to_dict()


def test_exif_orientation_applied(reader):
    img = scene(240, 320, box=(100, 120, 180, 150))
    stored = np.ascontiguousarray(np.rot90(img, k=1))  # what a phone stores: sideways pixels ...
    rotated = with_exif_orientation(jpg(stored), 6)  # ... and "rotate 90 clockwise to view"
    assert decode_image(rotated).shape == (240, 320, 3)
    rec = reader.read_result(rotated, "phone.jpg")[0].to_dict()
    assert (rec["width"], rec["height"]) == (320, 240)  # the upright size
    np.testing.assert_allclose(rec["plates"][0]["box"], [100, 120, 180, 150], atol=4)


def test_arrays_get_the_same_checks(reader):
    for shape in ((0, 100, 3), (5, 100, 3), (100, 0)):
        with pytest.raises(ImageError, match="image too small"):
            reader.read(np.zeros(shape, np.uint8))
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (10_000, 9_000, 3))  # a view: no memory
    with pytest.raises(ImageError, match=r"image too large \(9000x10000 pixels"):
        reader.read(huge)
    assert reader.read_result(np.zeros((64, 64, 3), np.uint8))[0].image == "<array>"


# --- files ---------------------------------------------------------------------------------------
@POSIX
def test_non_regular_files_refused_without_opening(tmp_path):
    os.mkfifo(tmp_path / "pipe.jpg")
    (tmp_path / "zero.jpg").symlink_to("/dev/zero")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "s.jpg"))
    try:
        for name, kind in (("pipe.jpg", "a FIFO"), ("zero.jpg", "a character device"), ("s.jpg", "a socket")):
            with pytest.raises(ImageError, match=f"not a regular file \\({kind}\\)"):
                read_file(str(tmp_path / name))  # a FIFO with no writer would block an open() forever
    finally:
        sock.close()
    with pytest.raises(ImageError, match="no such file or directory"):
        stat_input(str(tmp_path / "missing.jpg"))


def test_file_size_limit_enforced_while_reading(tmp_path):
    (tmp_path / "big.jpg").write_bytes(bytes(1000))
    with pytest.raises(ImageError, match=r"file too large \(1,000 bytes"):
        read_file(str(tmp_path / "big.jpg"), limit=100)
    if os.path.exists("/proc/self/status"):  # stat() says 0 bytes; the read is what stops it
        assert os.stat("/proc/self/status").st_size == 0
        with pytest.raises(ImageError, match="file too large"):
            read_file("/proc/self/status", limit=100)


def test_json_line_is_valid_utf8_and_names_the_file_losslessly():
    raw = b"dir/bad\xffname\xc3.jpg"
    line = json_line({"image": os.fsdecode(raw), "plates": [{"text": "皖A12345"}]})
    data = line.encode("utf-8")  # strict: raised UnicodeEncodeError before
    assert b"\\udcff" in data and "皖A12345" in line
    assert os.fsencode(json.loads(data)["image"]) == raw


@POSIX
@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "utf-8"}, {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}])
def test_hostile_folder_one_valid_line_per_input(models, tmp_path, env):
    d = tmp_path / "d"
    d.mkdir()
    good = jpg(scene())
    (d / "a.jpg").write_bytes(good)
    os.mkfifo(d / "b.jpg")  # hung the whole batch before
    (d / "c.jpg").write_bytes(good)
    (d / "z.jpg").symlink_to("/dev/zero")  # read until MemoryError before
    ok, gif = cv2.imencode(".gif", scene()[..., ::-1])
    (d / "g.gif").write_bytes(gif.tobytes())  # skipped without a line before
    with open(os.path.join(os.fsencode(d), b"bad\xffname.jpg"), "wb") as f:
        f.write(good)
    for name, make in BOMBS.items():
        (d / name).write_bytes(make())
    (d / "notes.txt").write_text("not an input: no image extension")
    cmd = [sys.executable, "-m", "platekit.cli.main", "read", str(d), "--format", "jsonl",
           "--detector", models[0], "--recognizer", models[1], "--min-confidence", "0"]
    out = subprocess.run(cmd, capture_output=True, timeout=120, env={**os.environ, **env})
    assert out.returncode == 1 and b"Traceback" not in out.stderr, out.stderr[-2000:]
    recs = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]  # strict UTF-8
    names = sorted(os.listdir(os.fsencode(d)))
    names.remove(b"notes.txt")
    assert [os.fsencode(os.path.basename(r["image"])) for r in recs] == names
    by = {os.path.basename(r["image"]): r for r in recs}
    for n in ("a.jpg", "c.jpg", "g.gif", os.fsdecode(b"bad\xffname.jpg")):
        assert len(by[n]["plates"]) == 1, by[n]
    assert by["b.jpg"]["error"].endswith("not a regular file (a FIFO)")
    assert by["z.jpg"]["error"].endswith("not a regular file (a character device)")
    for n in BOMBS:
        assert "image too large" in by[n]["error"]


# --- the service ---------------------------------------------------------------------------------
class SlowReader:
    """Stands in for Reader: every read takes `delay` seconds of a worker thread."""

    detector, recognizers, region, min_confidence = None, [], "cn", 0.5

    def __init__(self, delay: float):
        self.delay, self.active, self.peak, self.lock = delay, 0, 0, threading.Lock()

    def read_result(self, image, name, color=None, min_confidence=None):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.delay)
        with self.lock:
            self.active -= 1
        from platekit.core.results import ImageResult

        return ImageResult(name, 10, 10, 1.0), {}


SMALL_JPEG = cv2.imencode(".jpg", np.zeros((16, 16, 3), np.uint8))[1].tobytes()


def _upload(i: int) -> dict:
    return {"files": {"image": (f"{i}.jpg", SMALL_JPEG, "image/jpeg")}}


def test_healthz_answers_while_reads_queue_and_reads_are_bounded():
    rd = SlowReader(0.4)
    app = create_app(rd, max_concurrent=2, max_queue=100)

    async def main():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
            codes, health = [], []

            async def post(i):
                codes.append((await c.post("/v1/read", **_upload(i))).status_code)

            async with anyio.create_task_group() as tg:
                for i in range(8):
                    tg.start_soon(post, i)
                await anyio.sleep(0.2)
                t0 = time.perf_counter()
                h = (await c.get("/healthz")).json()
                health.append((time.perf_counter() - t0, h))
            return codes, health

    codes, [(dt, h)] = anyio.run(main)
    assert codes == [200] * 8 and rd.peak == 2  # never more than max_concurrent reads at once
    assert dt < 0.2 and h["reads_running"] == 2 and h["reads_waiting"] == 6  # not queued behind the reads


def test_full_queue_gets_503_with_retry_after():
    app = create_app(SlowReader(0.3), max_concurrent=1, max_queue=1)

    async def main():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
            out = []

            async def post(i):
                out.append(await c.post("/v1/read", **_upload(i)))

            async with anyio.create_task_group() as tg:
                for i in range(4):
                    tg.start_soon(post, i)
                    await anyio.sleep(0.02)
            return out

    res = anyio.run(main)
    busy = [r for r in res if r.status_code == 503]
    assert sorted(r.status_code for r in res) == [200, 200, 503, 503]
    assert busy[0].headers["retry-after"] == "1" and "busy" in busy[0].json()["detail"]


def test_chunked_upload_stopped_at_the_limit():
    """A body with no Content-Length is counted as it streams: 413 after ~limit bytes, not 200 MB."""
    app = create_app(SlowReader(0), max_bytes=1_000_000)
    chunk, pulled, sent = b"x" * 65536, [0], []
    head = b"--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n" \
           b"Content-Type: image/jpeg\r\n\r\n"

    async def receive():
        pulled[0] += 1
        return {"type": "http.request", "body": head if pulled[0] == 1 else chunk, "more_body": pulled[0] < 3200}

    async def send(msg):
        sent.append(msg)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/v1/read", "raw_path": b"/v1/read", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"multipart/form-data; boundary=b"), (b"transfer-encoding", b"chunked")],
             "client": ("t", 1), "server": ("t", 80)}
    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
    assert start["status"] == 413 and "over the limit of 1,000,000 bytes" in body["detail"]
    assert pulled[0] * len(chunk) < 1_300_000  # 200 MB offered, ~1 MB taken


def test_serve_workers(models):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "platekit.cli.main", "serve", "--port", str(port), "--workers", "2",
           "--detector", models[0], "--recognizer", models[1], "--min-confidence", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                h = httpx.get(url + "/healthz", timeout=2).json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("platekit serve --workers 2 did not come up in 30 s")
        r = httpx.post(url + "/v1/read", files={"image": ("car.jpg", jpg(scene()), "image/jpeg")}, timeout=30)
        assert r.status_code == 200 and len(r.json()["plates"]) == 1
        children = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split() if sys.platform == "linux" else []
        assert h["pid"] != proc.pid and (not children or (len(children) >= 2 and str(h["pid"]) in children))
    finally:
        proc.terminate()
        proc.wait(30)


def test_service_refuses_bombs_and_reads_rotated_photos(reader):
    from fastapi.testclient import TestClient

    c = TestClient(create_app(reader))
    for name, make in BOMBS.items():
        r = c.post("/v1/read", files={"image": (name, make(), "application/octet-stream")})
        assert r.status_code == 400 and "image too large" in r.json()["detail"], (name, r.text)
    stored = np.ascontiguousarray(np.rot90(scene(), k=1))
    r = c.post("/v1/read?draw=true", files={"image": ("phone.jpg", with_exif_orientation(jpg(stored), 6), "image/jpeg")})
    j = r.json()
    assert r.status_code == 200 and (j["width"], j["height"]) == (320, 240) and len(j["plates"]) == 1
    drawn = cv2.imdecode(np.frombuffer(base64.b64decode(j["drawing"].split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
    assert drawn.shape == (240, 320, 3)  # the page shows this drawing: upright, boxes on the plates
