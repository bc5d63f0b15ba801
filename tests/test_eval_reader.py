"""``platekit eval reader``: scoring rules, data layouts, the report, and the CLI on the bundled sample."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from platekit.core.results import Plate
from platekit.evaluation import reader as E  # noqa: N812
from platekit.inference.session import WEIGHTS_DIR


def _plate(text, box, conf=0.9):
    x1, y1, x2, y2 = box
    return Plate(text, conf, (conf,) * len(text), box, ((x1, y1), (x2, y1), (x2, y2), (x1, y2)), 0.9, None)


def test_scoring_with_a_box_takes_the_plate_at_the_box():
    it = E.Item("a.jpg", "皖A12345", (10, 10, 110, 40))
    far, near = _plate("皖A12345", (300, 300, 400, 330)), _plate("皖A12346", (12, 11, 108, 41), 0.8)
    o = E.score(it, [far, near], 5.0)
    assert (o.read, o.exact, o.detected, o.extra) == ("皖A12346", False, True, 1)  # the far one is an extra
    o = E.score(it, [far], 5.0)
    assert (o.read, o.exact, o.detected, o.extra) == ("", False, False, 1)
    assert E.score(it, [], 1.0).detected is False
    # a plate the detector found but the Reader left unread is detected (not read)
    assert E.score(it, [], 1.0, unread_boxes=(near.box,)).detected is True
    assert E.score(it, [far], 1.0, unread_boxes=(near.box,)).detected is True
    assert E.score(it, [far], 1.0, unread_boxes=(far.box,)).detected is False


def test_the_readers_threshold_hides_a_reading_but_not_its_detection():
    it = E.Item("a.jpg", "皖A12345", (10, 10, 110, 40))
    low = _plate("皖A12345", (12, 11, 108, 41), 0.3)
    o = E.score(it, [low, _plate("X1", (300, 300, 400, 330), 0.2)], 5.0, min_confidence=0.5)
    assert (o.read, o.exact, o.candidate_exact, o.detected, o.extra, o.plates) == ("", False, True, True, 0, ())
    o = E.score(E.Item("a.jpg", "皖A12345"), [low], 5.0, min_confidence=0.5)
    assert not o.exact and o.candidate_exact and o.confidence == 0.3

    class Fixed:  # a reader whose one plate is read at 0.3, below its threshold
        min_confidence = 0.5

        def read_result(self, path, min_confidence=None):
            assert min_confidence == 0.0  # eval asks for every plate and applies the threshold itself
            res = type("R", (), {"plates": (low,), "ms": 1.0})
            return res, {}

    rep = E.summarize(E.run(Fixed(), [it]))
    assert rep["exact_count"] == 0 and rep["detection_recall"] == 1.0 and rep["coverage"]["0.80"] == 1.0


def test_scoring_without_a_box_accepts_any_plate_equal_to_the_label():
    it = E.Item("a.jpg", "京A88731")
    o = E.score(it, [_plate("京A88781", (0, 0, 9, 9), 0.99), _plate("京A88731", (20, 0, 29, 9), 0.5)], 1.0)
    assert o.exact and o.read == "京A88731" and o.detected is None and o.extra == 1
    o = E.score(it, [_plate("京A88781", (0, 0, 9, 9), 0.99), _plate("沪A1", (20, 0, 29, 9), 0.5)], 1.0)
    assert not o.exact and o.read == "京A88781"  # wrong: the most confident reading is the one scored


def test_summary_numbers():
    items = [E.Item(f"{i}.jpg", t, (0, 0, 10, 10), g) for i, (t, g) in
             enumerate([("AB123", "eu"), ("CD456", "eu"), ("EF789", "us"), ("GH000", "us")])]
    plates = [[_plate("AB123", (0, 0, 10, 10), 0.99)], [_plate("CD457", (0, 0, 10, 10), 0.2)],
              [_plate("EF789", (0, 0, 10, 10), 0.9)], []]
    rep = E.summarize([E.score(it, p, 2.0) for it, p in zip(items, plates, strict=True)])
    assert rep["n"] == 4 and rep["exact_count"] == 2 and rep["detection_recall"] == 0.75
    assert rep["cer"] == pytest.approx((0 + 1 + 0 + 5) / 20)
    assert rep["coverage"]["0.80"] == pytest.approx(2 / 4) and rep["read_nothing"] == 1
    assert rep["groups"]["eu"]["exact"] == 0.5 and rep["groups"]["us"]["detection_recall"] == 0.5
    assert {"truth": "6", "pred": "7", "count": 1} in rep["confusions"]
    assert rep["per_position"] == [0.75, 0.75, 0.75, 0.75, 0.5]  # the 4th plate read nothing; CD457 vs CD456
    assert "| eu | 2 |" in E.table(rep)


def test_load_items_csv_folder_with_boxes_and_region(tmp_path):
    (tmp_path / "labels.csv").write_text("image_path,plate_text,region\na.jpg,ab123,eu\nb.jpg,XY9,us\n",
                                         encoding="utf-8")
    (tmp_path / "boxes.jsonl").write_text(
        json.dumps({"image": "a.jpg", "width": 50, "height": 40, "boxes": [[1, 2, 30, 12]]}) + "\n", encoding="utf-8")
    items = E.load_items(str(tmp_path))
    assert [(i.text, i.box, i.group) for i in items] == [("AB123", (1.0, 2.0, 30.0, 12.0), "eu"), ("XY9", None, "us")]
    with pytest.raises(Exception, match="split"):
        E.load_items(str(tmp_path), split="test")


def test_an_unreadable_image_is_a_scored_miss_not_a_crash(tmp_path):
    class Boom:
        def read_result(self, path, min_confidence=None):
            raise ValueError("not an image")

    out = E.run(Boom(), [E.Item(str(tmp_path / "x.jpg"), "AB1")])
    assert out[0].error and not out[0].exact and E.summarize(out)["errors"] == 1


def test_cli_on_the_bundled_sample(tmp_path):
    """`platekit eval reader` end to end with the shipped models: scene mode, report, gallery, errors."""
    sample = WEIGHTS_DIR.parent / "samples" / "cn_sample.jpg"
    if not (WEIGHTS_DIR / "detector.onnx").is_file() or not sample.is_file():
        pytest.skip("shipped weights or bundled sample not present in this checkout")
    label = json.loads(sample.with_suffix(".json").read_text(encoding="utf-8"))
    data = tmp_path / "set"
    data.mkdir()
    shutil.copy(sample, data / "a.jpg")
    shutil.copy(sample, data / "b.jpg")
    c = np.array(label["corners"])
    box = [*c.min(0).tolist(), *c.max(0).tolist()]
    (data / "labels.csv").write_text(f"image_path,plate_text\na.jpg,{label['text']}\nb.jpg,皖A00000\n", encoding="utf-8")
    (data / "boxes.jsonl").write_text("".join(json.dumps({"image": n, "width": 1, "height": 1, "boxes": [box]}) + "\n"
                                              for n in ("a.jpg", "b.jpg")), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "platekit.cli.main", "eval", "reader", str(data), "--out",
                          str(tmp_path / "rep")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    rep = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert rep["n"] == 2 and rep["exact_count"] == 1 and rep["detection_recall"] == 1.0  # b.jpg's label is wrong
    assert (tmp_path / "rep" / "errors.png").is_file()
    lines = (tmp_path / "rep" / "outcomes.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["exact"] for x in lines] == [True, False]
    bad = subprocess.run([sys.executable, "-m", "platekit.cli.main", "eval", "reader", str(tmp_path / "nope")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("platekit: error:") and "Traceback" not in bad.stderr


def test_rapidocr_baseline_on_the_same_images(tmp_path):
    pytest.importorskip("rapidocr_onnxruntime")
    import cv2

    img = np.full((120, 420, 3), 255, np.uint8)
    cv2.putText(img, "AB123CD", (25, 85), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (0, 0, 0), 5, cv2.LINE_AA)
    cv2.imwrite(str(tmp_path / "a.jpg"), img)
    cv2.imwrite(str(tmp_path / "b.jpg"), np.full((60, 60, 3), 128, np.uint8))  # no text at all
    items = [E.Item(str(tmp_path / "a.jpg"), "AB123CD", group="eu"), E.Item(str(tmp_path / "b.jpg"), "XY99", group="us")]
    base = E.run_rapidocr(items)
    assert base["n"] == 2 and base["exact_count"] == 1 and base["groups"]["eu"]["exact"] == 1.0
    assert base["groups"]["us"]["exact"] == 0.0 and base["ms_p50"] > 0
    rep = {"n": 2, "exact": 0.5, "ms_p50": 3.0, "groups": {"eu": {"exact": 1.0}, "us": {"exact": 0.0}}}
    tab = E.baseline_table(rep, base)
    assert "| platekit | 2 | 50.00 % | 100.0 % | 0.0 % | 3.0 |" in tab and "RapidOCR PP-OCRv4" in tab
    # with a reader: platekit reads each image right before RapidOCR (interleaved), its time is that pass's
    calls = []

    class Fake:
        def read_result(self, path):
            calls.append(path)
            return None, {}

    inter = E.run_rapidocr(items, reader=Fake())
    assert calls == [it.path for it in items] and inter["interleaved"] and inter["ours_ms_p50"] >= 0
    tab = E.baseline_table(rep, inter)
    assert f"| platekit | 2 | 50.00 % | 100.0 % | 0.0 % | {inter['ours_ms_p50']:.1f} |" in tab and "interleaved" in tab


def test_compare_readers_spec_values():
    # scripts/compare_readers.py: a path keeps its ':'; ints, bools and None are typed (threads:2 was 2.0 and
    # route_weighting:false the truthy text "false"); bad specs exit with a message
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "compare_readers.py"
    spec = importlib.util.spec_from_file_location("compare_readers", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    assert m.parse_reader("auto") == ("auto", {"region": "auto"})
    name, kw = m.parse_reader("v4=detector:runs/a:b/1.onnx,threads:2,min_confidence:0.6,route_weighting:false,"
                              "router:false,verify_low:none,recognizer:2")
    assert name == "v4" and kw == {"detector": "runs/a:b/1.onnx", "threads": 2, "min_confidence": 0.6,
                                   "route_weighting": False, "router": False, "verify_low": None,
                                   "recognizer": "2"}
    assert type(kw["threads"]) is int
    for bad in ("v4=detector", "=region:cn", "v4=:x"):
        with pytest.raises(SystemExit):
            m.parse_reader(bad)


def test_cli_no_retry_scores_a_far_plate_as_missed(tmp_path):
    """`platekit eval reader --no-retry`: a plate ~40 px wide in a 1000x1000 frame is found only by the detector's
    second look, so its detection recall is 1 by default and 0 with --no-retry (shipped models)."""
    import cv2
    from _read_fixtures import FAR_AT, FAR_SCALE, SAMPLE, far_plate_frame

    if not (WEIGHTS_DIR / "detector.onnx").is_file() or not SAMPLE.is_file():
        pytest.skip("shipped weights or bundled sample not present in this checkout")
    data = tmp_path / "set"
    data.mkdir()
    cv2.imwrite(str(data / "far.png"), far_plate_frame())
    (data / "labels.csv").write_text("image_path,plate_text\nfar.png,皖XCDLNH\n", encoding="utf-8")
    c = np.array(json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))["corners"]) * FAR_SCALE + FAR_AT
    box = [*c.min(0).tolist(), *c.max(0).tolist()]
    (data / "boxes.jsonl").write_text(json.dumps({"image": "far.png", "width": 1000, "height": 1000, "boxes": [box]})
                                      + "\n", encoding="utf-8")
    recall = []
    for extra in ([], ["--no-retry"]):
        out = subprocess.run([sys.executable, "-m", "platekit.cli.main", "eval", "reader", str(data), "--out",
                              str(tmp_path / "rep"), *extra], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        recall.append(json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))["detection_recall"])
    assert recall == [1.0, 0.0]
