"""What users of other ALPR tools expect: cv2 (BGR) frames, CSV, `platekit models`, `platekit.draw`,
region / type fields, unread plates said so, and a JSON schema the outputs follow."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from _read_fixtures import scene
from typer.testing import CliRunner

from platekit.cli.main import app
from platekit.core.results import Detection, Reading
from platekit.inference.session import WEIGHTS_DIR

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "platekit" / "samples" / "cn_sample.jpg"
SHIPPED = (WEIGHTS_DIR / "detector.onnx").is_file() and (WEIGHTS_DIR / "rec_cn.onnx").is_file()


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.skipif(not SHIPPED, reason="shipped weights not in this checkout")
def test_cv2_frame_reads_like_the_path():
    from platekit import Reader

    reader = Reader(reduced_decode=False)  # a path decoded whole: exactly what the array gives
    by_path = reader.read(str(SAMPLE))
    frame = cv2.imread(str(SAMPLE))  # BGR: what every OpenCV user has in hand
    assert by_path and reader.read(frame) == by_path
    assert reader.read(np.ascontiguousarray(frame[..., ::-1]), color="rgb") == by_path
    assert Reader(color="rgb", reduced_decode=False).read(frame[..., ::-1]) == by_path
    assert by_path[0].text == json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))["text"]
    # the default decodes this large JPEG at half size for the detector: the same plate, corners within 1 %
    fast = Reader().read(str(SAMPLE))
    assert [p.text for p in fast] == [p.text for p in by_path]
    np.testing.assert_allclose(fast[0].corners, by_path[0].corners, atol=0.01 * 720)


def test_csv_output_matches_jsonl(models, tmp_path):
    det, rec = models
    good = tmp_path / "car.png"
    cv2.imwrite(str(good), scene(240, 320, box=(100, 120, 180, 150))[..., ::-1])
    empty = tmp_path / "empty.png"
    cv2.imwrite(str(empty), np.full((50, 60, 3), 30, np.uint8))
    args = ["read", good, empty, tmp_path / "missing.jpg", "--detector", det, "--recognizer", rec,
            "--min-confidence", "0"]
    res_csv, res_json = cli(*args, "--format", "csv"), cli(*args, "--format", "jsonl")
    assert res_csv.exit_code == 1 == res_json.exit_code  # the missing file fails, the batch goes on
    rows = list(csv.DictReader(io.StringIO(res_csv.stdout)))
    recs = [json.loads(line) for line in res_json.stdout.splitlines()]
    assert [r["image"] for r in rows] == [r["image"] for r in recs]
    p = recs[0]["plates"][0]
    assert rows[0]["text"] == p["text"] and rows[0]["type"] == (p["type"] or "") and rows[0]["region"] == "cn"
    assert float(rows[0]["confidence"]) == p["confidence"]
    assert [float(rows[0][k]) for k in ("x1", "y1", "x2", "y2")] == p["box"]
    assert [[float(rows[0][f"{c}_{a}"]) for a in "xy"] for c in ("lt", "rt", "rb", "lb")] == p["corners"]
    assert rows[1]["text"] == "" and rows[1]["error"] == ""  # read, no plate
    assert rows[2]["text"] == "" and "no such file" in rows[2]["error"]


def test_models_command_lists_shipped_models_and_their_measurements(models):
    from platekit.inference.session import shipped_models

    res = cli("models", "--json")
    assert res.exit_code == 0, res.output
    infos = [json.loads(line) for line in res.stdout.splitlines()]
    shipped = shipped_models()
    assert sorted(m["name"] for m in infos) == sorted(shipped)
    for m in infos:
        path = shipped[m["name"]]
        side = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        assert m["size_bytes"] == path.stat().st_size and m["kind"] == side["kind"]
        assert m["architecture"] == side["model"] and m["region"] == side.get("region")
        assert m["version"] == side.get("version", hashlib.sha256(path.read_bytes()).hexdigest()[:12])
        if side.get("metrics"):
            assert m["measured"] and all(x["what"] and x["where"] for x in m["measured"])
    table = cli("models")
    assert table.exit_code == 0 and table.stdout.splitlines()[0].split()[:4] == ["name", "kind", "architecture", "region"]
    assert all(name in table.stdout for name in shipped)
    toy = cli("models", models[1])  # any model file: described from its sidecar
    assert toy.exit_code == 0 and "tiny_slots" in toy.stdout and "not measured" in toy.stdout
    bad = cli("models", "notes.txt")
    assert bad.exit_code != 0


def test_draw_is_public_bgr_and_draws_provinces():
    from PIL import ImageFont

    from platekit import Plate, draw
    from platekit.inference.vis import PLATE_FONT

    img = np.zeros((120, 200, 3), np.uint8)
    plate = Plate("皖A12345", 0.9, (0.98,) * 7, (50, 60, 150, 90), ((50, 60), (150, 60), (150, 90), (50, 90)), 0.8)
    out = draw(img, [plate])
    assert out.shape == img.shape and out.dtype == np.uint8
    assert (out[75, 48:53, 1] > 200).any() and (img == 0).all()  # green quad on a copy
    # BGR in, BGR out: the amber box (RGB 255,200,0) lands in channel order B,G,R = 0,200,255
    bgr, rgb = draw(img, [plate], label=False), draw(img, [plate], color="rgb", label=False)
    np.testing.assert_array_equal(bgr, rgb[..., ::-1])
    # the bundled font has the provinces: 皖 is a real glyph, not the missing-glyph box nor "?"
    font = ImageFont.truetype(str(PLATE_FONT), 32)
    masks = {c: np.asarray(font.getmask(c)) for c in ("皖", "\ue000", "?")}
    assert masks["皖"].sum() > 0
    assert masks["皖"].shape != masks["\ue000"].shape or (masks["皖"] != masks["\ue000"]).any()
    assert masks["皖"].shape != masks["?"].shape or (masks["皖"] != masks["?"]).any()
    # dicts (the JSON records) draw the same as Plate objects
    np.testing.assert_array_equal(draw(img, [plate.to_dict()]), out)


class FixedDetector:
    def detect(self, image):
        return [Detection((10.0, 10.0, 50.0, 30.0), None, 0.9)]


class Const:
    input_size, crop_margin = (16, 48), 0.0

    def __init__(self, text, conf, region="cn"):
        self.text, self.conf, self.region = text, conf, region

    def read(self, crops):
        return [Reading(self.text, self.conf, (self.conf,) * len(self.text), None) for _ in crops]


@pytest.mark.parametrize("text, region, kind", [("皖A12345", "cn", "cn-blue"), ("皖AD12345", "cn", "cn-green"),
                                                 ("A123BC77", "ru", "ru"), ("ABC", "cn", None)])
def test_region_and_type_fields(text, region, kind):
    from platekit import Reader

    plate = Reader(detector=FixedDetector(), recognizer=Const(text, 0.9, region)).read(np.zeros((60, 80, 3), np.uint8))[0]
    assert (plate.region, plate.type, plate.fits_format) == (region, kind, kind is not None)
    d = plate.to_dict()
    assert (d["region"], d["type"]) == (region, kind) and "format" in d  # the old field is still there


def test_default_threshold_and_unread_plates_in_the_table(models, tmp_path):
    from platekit.inference.reader import DEFAULT_MIN_CONFIDENCE, Reader

    assert 0 < DEFAULT_MIN_CONFIDENCE < 1 and Reader(detector=FixedDetector(), recognizer=Const("皖A12345", 0.9),
                                                     ).min_confidence == DEFAULT_MIN_CONFIDENCE
    low = Reader(detector=FixedDetector(), recognizer=Const("皖A12345", DEFAULT_MIN_CONFIDENCE / 2))
    res, _ = low.read_result(np.zeros((60, 80, 3), np.uint8))
    assert res.plates == () and res.unread == 1
    path = tmp_path / "car.png"
    cv2.imwrite(str(path), scene()[..., ::-1])
    det, rec = models  # the tiny random recognizer reads at ~1e-14: below the default threshold
    out = cli("read", path, "--detector", det, "--recognizer", rec)
    assert out.exit_code == 0 and "no plate read: 1 detected" in out.stdout
    out = cli("read", path, "--detector", det, "--recognizer", rec, "--min-confidence", "0")
    assert "no plate" not in out.stdout and ("cn-" in out.stdout or "fits no known plate format" in out.stdout)
    assert cli("read", path, "--min-confidence", "1.5").exit_code == 2
    for cmd in ("read", "serve"):  # the help text states the default the Reader really uses
        squashed = "".join(c for c in cli(cmd, "--help").stdout if c not in "│ \n")  # however rich wraps it
        assert f"(default{DEFAULT_MIN_CONFIDENCE}," in squashed


def test_schema_is_current_and_outputs_follow_it(models, tmp_path):
    from platekit.inference.schema import READ_RECORD, json_schema

    doc = json.loads((ROOT / "docs" / "read_record.schema.json").read_text(encoding="utf-8"))
    assert doc == json_schema(), "regenerate: python -m platekit.inference.schema > docs/read_record.schema.json"
    from test_video import make_clip

    clip, still = tmp_path / "clip.avi", tmp_path / "still.png"
    make_clip(clip)
    cv2.imwrite(str(still), scene()[..., ::-1])
    det, rec = models
    res = cli("read", still, clip, tmp_path / "nope.jpg", "--detector", det, "--recognizer", rec, "--format", "jsonl",
              "--min-confidence", "0")
    empty = cli("read", clip, "--detector", det, "--recognizer", rec, "--format", "jsonl", "--min-track", "99")
    lines = res.stdout.splitlines() + empty.stdout.splitlines()
    kinds = [type(READ_RECORD.validate_python(json.loads(line))).__name__ for line in lines]
    assert kinds == ["ImageRecord", "TrackRecord", "TrackRecord", "ErrorRecord", "EmptyVideoRecord"]
    with pytest.raises(ValueError):
        READ_RECORD.validate_python({"image": "x", "width": 1, "height": 1, "ms": 1, "plates": [], "extra": 1})


def test_label_font_without_any_installed_cjk_font(monkeypatch, tmp_path):
    """data show / draw on a machine with no CJK font: the bundled plate font, not an error or '?'."""
    from platekit.core import fonts
    from platekit.errors import PlatekitError

    def no_font(kind="cjk"):
        raise PlatekitError("no cjk font found")

    monkeypatch.setattr(fonts, "find_font", no_font)
    assert fonts.label_font("皖A12345") == fonts.label_font("\u4e00") == str(fonts.PLATE_FONT)
    from platekit.data.sheet import _font

    assert Path(_font(20).path) == fonts.PLATE_FONT
