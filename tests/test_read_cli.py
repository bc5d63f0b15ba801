"""`platekit read` JSON contract and bad inputs (tiny ONNX models built in tmp dirs)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib

import cv2
import numpy as np
import pytest
from _read_fixtures import far_plate_frame, scene
from typer.testing import CliRunner

from platekit.cli.main import app

PLATE_KEYS = {"text", "confidence", "char_confidences", "box", "corners", "detection_confidence", "format", "region",
              "type", "colour"}


def run(models, *args):
    det, rec = models
    res = CliRunner().invoke(app, ["read", "--detector", det, "--recognizer", rec, "--min-confidence", "0", *map(str, args)])
    return res


def png_header(w: int, h: int) -> bytes:
    """A PNG that only has a header claiming w x h pixels (no pixel data)."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))  # noqa: E731
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def write(path, rgb: np.ndarray) -> str:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR) if rgb.ndim == 3 else rgb)
    return str(path)


def test_jsonl_contract(models, tmp_path):
    d = tmp_path / "imgs"
    (d / "sub").mkdir(parents=True)
    write(d / "b.jpg", scene(240, 320, box=(100, 120, 180, 150)))
    write(d / "sub" / "a.png", scene(300, 200, box=(20, 200, 120, 230), seed=1))
    write(d / "a.png", np.full((50, 60, 3), 30, np.uint8))  # no plate
    (d / "notes.txt").write_text("ignored: not an image extension")
    res = run(models, d, "--format", "jsonl")
    assert res.exit_code == 0, res.output
    recs = [json.loads(line) for line in res.stdout.splitlines()]
    # recursive, sorted, one line per image, path as given (joined to the directory given)
    assert [r["image"] for r in recs] == [str(d / "a.png"), str(d / "b.jpg"), str(d / "sub" / "a.png")]
    assert recs[0]["plates"] == []
    for r, (w, h) in zip(recs, [(60, 50), (320, 240), (200, 300)], strict=True):
        assert set(r) == {"image", "width", "height", "ms", "plates", "unread"}
        assert (r["width"], r["height"]) == (w, h) and r["ms"] > 0
    p = recs[1]["plates"][0]
    assert set(p) == PLATE_KEYS
    assert len(p["char_confidences"]) == len(p["text"]) and 0 <= p["confidence"] <= 1
    np.testing.assert_allclose(p["box"], [100, 120, 180, 150], atol=4)
    assert len(p["corners"]) == 4 and all(len(c) == 2 for c in p["corners"])
    (lt, rt, rb, lb) = p["corners"]
    assert lt[0] < rt[0] and lb[0] < rb[0] and lt[1] < lb[1] and rt[1] < rb[1]
    np.testing.assert_allclose(recs[2]["plates"][0]["box"], [20, 200, 120, 230], atol=4)


def test_bad_inputs_do_not_stop_the_batch(models, tmp_path):
    good = write(tmp_path / "good.png", scene())
    ok, buf = cv2.imencode(".jpg", scene()[..., ::-1])
    (tmp_path / "trunc.jpg").write_bytes(buf.tobytes()[: len(buf) // 2])  # read as far as it goes, with a warning
    (tmp_path / "head.jpg").write_bytes(buf.tobytes()[:100])  # cut inside the header: nothing to decode
    (tmp_path / "text.jpg").write_text("this is not a picture\n")
    rgba = np.dstack([scene()[..., ::-1], np.full((240, 320), 255, np.uint8)])
    cv2.imwrite(str(tmp_path / "rgba.png"), rgba)
    cv2.imwrite(str(tmp_path / "deep.png"), scene()[..., ::-1].astype(np.uint16) * 257)
    write(tmp_path / "tiny.png", np.zeros((1, 1, 3), np.uint8))
    (tmp_path / "huge.png").write_bytes(png_header(20000, 20000))
    (tmp_path / "empty").mkdir()
    names = ["trunc.jpg", "head.jpg", "text.jpg", "rgba.png", "deep.png", "tiny.png", "huge.png", "empty", "missing.jpg"]
    paths = [str(tmp_path / n) for n in names]
    res = run(models, *paths, good, "--format", "jsonl")
    assert res.exit_code == 1
    recs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["image"] for r in recs] == paths + [good]
    by = dict(zip(names + ["good"], recs, strict=True))
    expect = {
        "head.jpg": "not a decodable image", "text.jpg": "not a decodable image",
        "tiny.png": "too small (1x1)", "huge.png": "too large (20000x20000",
        "empty": "no image or video files", "missing.jpg": "no such file or directory",
    }
    for n, msg in expect.items():
        assert set(by[n]) == {"image", "error"} and msg in by[n]["error"], by[n]
    for n in ("rgba.png", "deep.png", "good"):  # alpha and 16-bit are converted, then read
        assert "error" not in by[n] and len(by[n]["plates"]) == 1, by[n]
        np.testing.assert_allclose(by[n]["plates"][0]["box"], [100, 120, 180, 150], atol=4)
    assert by["deep.png"]["plates"][0]["text"] == by["good"]["plates"][0]["text"]
    assert "truncated JPEG" in by["trunc.jpg"]["warnings"][0] and (by["trunc.jpg"]["width"], by["trunc.jpg"]["height"]) == (320, 240)
    assert all("warnings" not in by[n] for n in ("rgba.png", "deep.png", "good"))


def test_crops_flag(models, tmp_path):
    p = write(tmp_path / "crop.png", np.full((32, 100, 3), 180, np.uint8))
    res = run(models, p, "--crops", "--format", "jsonl")
    rec = json.loads(res.stdout)
    assert res.exit_code == 0 and len(rec["plates"]) == 1
    assert rec["plates"][0]["box"] == [0, 0, 100, 32] and rec["plates"][0]["detection_confidence"] == 1.0


def test_table_and_save_vis(models, tmp_path):
    paths = [write(tmp_path / f"im{i}.png", scene(seed=i)) for i in range(7)]
    vis = tmp_path / "vis"
    res = run(models, *paths, str(tmp_path / "nope.png"), "--save-vis", vis)
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert lines[0].split()[:4] == ["image", "plate", "conf", "det"] and len(lines) == 9
    assert "ERROR" in lines[-1] and "no such file or directory" in lines[-1]
    assert sorted(f.name for f in vis.iterdir()) == [f"im{i}.jpg" for i in range(7)]
    drawn = cv2.imread(str(vis / "im0.jpg"))
    assert drawn.shape == (240, 320, 3) and not np.array_equal(drawn[..., ::-1], scene(seed=0))


def test_cli_errors_exit_2(models, tmp_path):
    cmd = [sys.executable, "-m", "platekit.cli.main", "read", "--detector", models[0],
           "--recognizer", str(tmp_path / "x.onnx"), "a.jpg"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.startswith("platekit: error:") and "not found" in out.stderr
    out = subprocess.run(cmd[:4] + ["--region", "de", "a.jpg"], capture_output=True, text=True)
    assert out.returncode == 2 and "de" in out.stderr


def test_bundled_sample_reads_its_plate_with_shipped_models():
    """The README's first command: `platekit read` on the bundled sample, shipped defaults."""
    from platekit.inference.session import WEIGHTS_DIR

    samples = sorted((WEIGHTS_DIR.parent / "samples").glob("*.jpg"))
    if not (WEIGHTS_DIR / "detector.onnx").is_file() or not samples:
        pytest.skip("shipped weights or bundled sample not present in this checkout")
    for img in samples:
        label = json.loads(img.with_suffix(".json").read_text(encoding="utf-8"))
        region = "ru" if label.get("format") == "ru" else "cn"
        out = subprocess.run([sys.executable, "-m", "platekit.cli.main", "read", str(img), "--format", "jsonl",
                              "--region", region], capture_output=True, text=True, check=True)
        rec = json.loads(out.stdout)
        assert [p["text"] for p in rec["plates"]] == [label["text"]]
        np.testing.assert_allclose(rec["plates"][0]["corners"], label["corners"], atol=12)


def test_no_retry_and_refine_below_options_reach_the_reader(tmp_path):
    """`--no-retry`: a far plate the first look misses stays missing (the default finds its box on the retry canvas);
    `--refine-below 0` is accepted (reads once); both with the shipped models."""
    path = tmp_path / "far.png"
    cv2.imwrite(str(path), far_plate_frame())

    def boxes(*extra):
        res = CliRunner().invoke(app, ["read", str(path), "--format", "jsonl", "--min-confidence", "0", *extra])
        assert res.exit_code == 0, res.output
        rec = json.loads(res.stdout.strip().splitlines()[-1])
        return len(rec["plates"]) + len(rec.get("unread_boxes") or [])

    assert boxes() == 1
    assert boxes("--no-retry") == 0
    assert boxes("--refine-below", "0") == 1
