"""HTTP service: good upload, oversized upload (413), non-image (400/415), health and the HTML page."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from _read_fixtures import make_detector, make_recognizer, scene
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from platekit import Reader
from platekit.serve.app import create_app


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    d = tmp_path_factory.mktemp("m")
    return Reader(detector=make_detector(d), recognizer=make_recognizer(d, "slots", "cn")[0], min_confidence=0)


@pytest.fixture(scope="module")
def client(reader):
    return TestClient(create_app(reader, max_bytes=1_000_000))


def png(img) -> bytes:
    return cv2.imencode(".png", img[..., ::-1])[1].tobytes()


def test_good_upload_matches_cli_record(client, reader, tmp_path):
    img = scene(240, 320, box=(100, 120, 180, 150))
    r = client.post("/v1/read", files={"image": ("car.png", png(img), "image/png")})
    assert r.status_code == 200, r.text
    j = r.json()
    assert set(j) == {"image", "width", "height", "ms", "plates", "unread"} and j["image"] == "car.png"
    assert (j["width"], j["height"]) == (320, 240) and len(j["plates"]) == 1
    # same plates as one `platekit read --format jsonl` record of the same file
    path = tmp_path / "car.png"
    path.write_bytes(png(img))
    from platekit.cli.read import expand_inputs, run_read

    cli_rec = next(run_read(expand_inputs([str(path)]), reader))
    assert j["plates"] == json.loads(json.dumps(cli_rec["plates"], ensure_ascii=False))
    # octet-stream and no explicit type are accepted too
    r2 = client.post("/v1/read", files={"image": ("x", png(img), "application/octet-stream")})
    assert r2.status_code == 200 and r2.json()["plates"] == j["plates"]


def test_oversized_upload_413(client):
    big = b"\xff\xd8" + b"\0" * 2_000_000
    r = client.post("/v1/read", files={"image": ("big.jpg", big, "image/jpeg")})
    assert r.status_code == 413 and "too large" in r.json()["detail"]
    just_over = b"\xff\xd8" + b"\0" * 1_000_000  # within the multipart slack: caught after reading
    r = client.post("/v1/read", files={"image": ("big.jpg", just_over, "image/jpeg")})
    assert r.status_code == 413


def test_non_image_rejected(client):
    r = client.post("/v1/read", files={"image": ("notes.txt", b"hello", "text/plain")})
    assert r.status_code == 415 and "content type" in r.json()["detail"]
    r = client.post("/v1/read", files={"image": ("fake.jpg", b"hello, not a jpeg", "image/jpeg")})
    assert r.status_code == 400 and "not a decodable image" in r.json()["detail"]
    r = client.post("/v1/read", files={"image": ("tiny.png", png(scene(1, 1, box=(0, 0, 0, 0))), "image/png")})
    assert r.status_code == 400 and "too small" in r.json()["detail"]
    assert client.post("/v1/read").status_code == 422  # no file field


def test_health_names_models_and_versions(client, reader):
    h = client.get("/healthz")
    assert h.status_code == 200 and h.json()["status"] == "ok"
    j = h.json()
    det, rec = j["detector"], j["recognizers"][0]
    # file names (what --detector / --recognizer accept) and content versions, not only architectures
    assert (det["name"], det["architecture"]) == (Path(reader.detector.path).stem, "toy_threshold")
    assert (rec["name"], rec["region"]) == (Path(reader.recognizers[0].path).stem, "cn")
    digest = hashlib.sha256(Path(reader.recognizers[0].path).read_bytes()).hexdigest()
    assert rec["version"] == digest[:12] and j["region"] == "cn" and j["min_confidence"] == 0


def test_page(client):
    page = client.get("/")
    assert page.status_code == 200 and "/v1/read?" in page.text and 'href="/docs"' in page.text
    assert client.get("/docs").status_code == 200


def test_drawing_uses_the_reading_decode(client, monkeypatch):
    import platekit.inference.reader as reader_mod

    calls = []
    real = reader_mod.decode_image
    monkeypatch.setattr(reader_mod, "decode_image", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    img = scene(240, 320, box=(100, 120, 180, 150))
    d = client.post("/v1/read?draw=true", files={"image": ("car.png", png(img), "image/png")}).json()
    assert d["drawing"].startswith("data:image/jpeg;base64,") and calls == [1]  # one decode for both


def test_read_query_region_threshold_and_drawing(client, reader):
    img = scene(240, 320, box=(100, 120, 180, 150))
    files = {"image": ("car.png", png(img), "image/png")}
    base = client.post("/v1/read", files=files).json()
    assert base["plates"][0]["confidence"] < 0.5  # the tiny random recognizer is never sure
    # a per-request threshold above the reading: the plate is counted as unread, not lost silently
    hi = client.post("/v1/read?min_confidence=0.5", files=files).json()
    assert hi["plates"] == [] and hi["unread"] == 1
    # another region: the shipped reader of that region behind the same detector
    ru = client.post("/v1/read?region=ru&min_confidence=0", files=files)
    assert ru.status_code == 200 and ru.json()["plates"][0]["region"] == "ru"
    assert ru.json()["plates"][0]["box"] == base["plates"][0]["box"]
    # draw=true: the photo with the plate drawn (platekit.draw), as a JPEG data URL
    d = client.post("/v1/read?draw=true", files=files).json()
    assert "drawing" not in base and d["drawing"].startswith("data:image/jpeg;base64,")
    drawn = cv2.imdecode(np.frombuffer(base64.b64decode(d["drawing"].split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
    assert drawn.shape == (240, 320, 3) and np.abs(drawn[..., ::-1].astype(int) - img).mean() > 1
    # bad query values: 422 with a message per field
    bad = client.post("/v1/read?region=de&min_confidence=2", files=files)
    assert bad.status_code == 422 and {e["loc"][-1] for e in bad.json()["detail"]} == {"region", "min_confidence"}


def test_serve_command_help():
    from platekit.cli.main import app

    res = CliRunner().invoke(app, ["serve", "--help"])
    assert res.exit_code == 0 and "--port" in res.stdout and "--host" in res.stdout


def test_service_imports_no_torch(reader):
    import subprocess
    import sys

    det, rec = reader.detector.path, reader.recognizers[0].path
    code = (
        "import sys, numpy as np\n"
        "from fastapi.testclient import TestClient\n"
        "from platekit.serve.app import create_app\n"
        f"c = TestClient(create_app(detector={det!r}, recognizer={rec!r}))\n"
        "assert c.get('/healthz').status_code == 200\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
