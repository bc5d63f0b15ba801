"""End-to-end reader on tiny ONNX models built in tmp dirs (no shipped weights needed)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from _read_fixtures import far_plate_frame, make_detector, make_recognizer, scene

from platekit import Reader
from platekit.core.formats import REGIONS
from platekit.core.results import Detection, Plate, Reading
from platekit.errors import PlatekitError
from platekit.inference.base import Detector, Recognizer
from platekit.inference.detector import OnnxDetector, letterbox
from platekit.inference.recognizer import OnnxRecognizer


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    return {
        "det": make_detector(d),
        "slots": make_recognizer(d, "slots", "cn")[0],
        "ctc": make_recognizer(d, "ctc", "ru")[0],
        "ru_slots": make_recognizer(d, "slots", "ru", seed=1)[0],
    }


def test_letterbox_top_left():
    img = np.full((50, 200, 3), 7, np.uint8)
    out, scale = letterbox(img, (96, 128))
    assert out.shape == (96, 128, 3) and scale == pytest.approx(0.64)
    assert (out[:32] == 7).all() and (out[32:] == 114).all()


@pytest.mark.parametrize("shape,box", [((240, 320), (100, 120, 180, 150)), ((600, 300), (20, 500, 140, 540))])
def test_detector_maps_back_to_image_pixels(models, shape, box):
    det = OnnxDetector(models["det"])
    assert isinstance(det, Detector)
    found = det.detect(scene(*shape, box=box))
    assert len(found) == 1, "threshold must drop the junk row, NMS the duplicate"
    tol = 1.5 / min(96 / shape[0], 128 / shape[1])
    np.testing.assert_allclose(found[0].box, box, atol=tol)
    x1, y1, x2, y2 = found[0].box
    np.testing.assert_allclose(found[0].corners, [[x1, y1], [x2, y1], [x2, y2], [x1, y2]], atol=1e-3)
    assert found[0].confidence == pytest.approx(0.9)


def test_rect_letterbox_with_dynamic_graph(tmp_path):
    det = OnnxDetector(make_detector(tmp_path, dynamic_hw=True))
    assert det.stride == 32
    img = scene(600, 300, box=(20, 500, 140, 540))  # scale 0.16 -> 96x48 resized -> 96x64 canvas
    lb, scale = letterbox(img, det.input_size, stride=det.stride)
    assert lb.shape == (96, 64, 3) and scale == pytest.approx(0.16)
    found = det.detect(img)
    assert len(found) == 1
    np.testing.assert_allclose(found[0].box, (20, 500, 140, 540), atol=1.5 / 0.16)
    assert OnnxDetector(make_detector(tmp_path)).stride is None  # fixed-size graph: full canvas


def test_detector_nothing_found(models):
    assert OnnxDetector(models["det"]).detect(np.zeros((100, 100, 3), np.uint8)) == []


@pytest.mark.parametrize("kind", ["slots", "ctc"])
def test_recognizer_readings(models, kind):
    rec = OnnxRecognizer(models[kind])
    assert isinstance(rec, Recognizer)
    rng = np.random.default_rng(0)
    crops = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in [(20, 60), (40, 130), (16, 48)]]
    out = rec.read(crops)
    assert len(out) == 3 and all(isinstance(r, Reading) for r in out)
    for r in out:
        assert len(r.char_confidences) == len(r.text)
        assert r.confidence == pytest.approx(float(np.prod(r.char_confidences)), rel=1e-5)
        assert set(r.text) <= set(REGIONS[rec.region].alphabet + "?")
    if kind == "slots":  # constrained decoding always yields a valid cn plate
        assert all(REGIONS["cn"].guess_format(r.text) is not None and r.format == "cn" for r in out)
    assert rec.read([]) == []


def test_reader_end_to_end(models):
    reader = Reader(detector=str(models["det"]), recognizer=str(models["slots"]), min_confidence=0)
    img = scene(240, 320, box=(100, 120, 180, 150))  # RGB
    plates = reader.read(img, color="rgb")
    assert len(plates) == 1 and isinstance(plates[0], Plate)
    p = plates[0]
    with pytest.raises(AttributeError):
        p.text = "x"  # frozen
    assert REGIONS["cn"].guess_format(p.text) is not None
    np.testing.assert_allclose(p.box, (100, 120, 180, 150), atol=4)
    (ltx, lty), (rtx, rty), (rbx, rby), (lbx, lby) = p.corners
    assert ltx < rtx and lbx < rbx and lty < lby and rty < rby
    assert p.detection_confidence == pytest.approx(0.9)
    # same image as bytes, BGR array (the default order) and RGB array -> same plates
    import cv2

    bgr = np.ascontiguousarray(img[..., ::-1])
    ok, buf = cv2.imencode(".png", bgr)
    assert reader.read(buf.tobytes()) == plates
    assert reader.read_many([bgr, np.zeros((64, 64, 3), np.uint8)]) == [plates, []]
    many = [bgr, np.zeros((64, 64, 3), np.uint8), buf.tobytes()] * 3  # threads: same plates, input order
    assert reader.read_many(many, workers=2) == [plates, [], plates] * 3
    assert Reader(detector=str(models["det"]), recognizer=str(models["slots"]), min_confidence=0,
                  color="rgb").read(img) == plates
    assert reader.read(img) != plates  # an RGB array read as BGR: the colour-sensitive recognizer differs


def test_reader_result_and_timings(models, tmp_path):
    import cv2

    path = tmp_path / "car.png"
    cv2.imwrite(str(path), scene(240, 320)[..., ::-1])
    reader = Reader(detector=models["det"], recognizer=models["slots"], min_confidence=0)
    res, ms = reader.read_result(str(path))
    assert set(ms) == {"decode", "detect", "rectify", "read"}
    d = res.to_dict()
    assert d["image"] == str(path) and (d["width"], d["height"]) == (320, 240) and len(d["plates"]) == 1
    assert d["ms"] == pytest.approx(sum(ms.values()), abs=0.01)


def test_min_confidence_filters(models):
    img = scene()
    conf = Reader(detector=models["det"], recognizer=models["slots"], min_confidence=0).read(img)[0].confidence
    assert Reader(detector=models["det"], recognizer=models["slots"], min_confidence=conf + 1e-6).read(img) == []


def test_crops_mode_whole_image(models):
    reader = Reader(recognizer=models["slots"], crops=True, min_confidence=0)
    assert reader.detector is None
    plates = reader.read(np.full((30, 90, 3), 200, np.uint8))
    assert len(plates) == 1
    assert plates[0].box == (0.0, 0.0, 90.0, 30.0) and plates[0].detection_confidence == 1.0


class FixedDetector:
    def detect(self, image):
        return [Detection((10.0, 10.0, 50.0, 30.0), None, 0.7)]


class ConstRecognizer:
    input_size, crop_margin = (16, 48), 0.0

    def __init__(self, text, conf, region="cn"):
        self.text, self.conf, self.region = text, conf, region

    def read(self, crops):
        fmt = self.region if REGIONS[self.region].guess_format(self.text) else None
        return [Reading(self.text, self.conf, (self.conf,) * len(self.text), fmt) for _ in crops]


def test_swappable_protocol_objects_and_auto_choice():
    # a valid-format reading wins over a more confident invalid one; among valid ones, confidence
    recs = [ConstRecognizer("ABC", 0.99), ConstRecognizer("皖A12345", 0.6), ConstRecognizer("A123BC77", 0.5, "ru")]
    plates = Reader(region="auto", detector=FixedDetector(), recognizer=recs, min_confidence=0).read(
        np.zeros((60, 80, 3), np.uint8))
    assert [(p.text, p.format) for p in plates] == [("皖A12345", "cn")]
    # no corners from the detector: the box corners are used
    assert plates[0].corners == ((10.0, 10.0), (50.0, 10.0), (50.0, 30.0), (10.0, 30.0))


def test_bad_model_args(models, tmp_path):
    with pytest.raises(PlatekitError, match="unknown region"):
        Reader(region="xx", recognizer=models["slots"], crops=True)
    with pytest.raises(PlatekitError, match="not found"):
        Reader(recognizer=str(tmp_path / "nope.onnx"), crops=True)
    with pytest.raises(PlatekitError, match="expected 'recognizer'"):
        Reader(recognizer=models["det"], crops=True)
    with pytest.raises(PlatekitError, match="unknown recognizer"):
        Reader(recognizer="no_such_model", crops=True)
    with pytest.raises(PlatekitError, match="uint8"):
        Reader(recognizer=models["slots"], crops=True).read(np.zeros((20, 20, 3), np.float32))


def test_reading_never_imports_torch(models):
    code = (
        "import sys, json, numpy as np\n"
        "from platekit import Reader\n"
        f"r = Reader(detector={str(models['det'])!r}, recognizer={str(models['slots'])!r}, min_confidence=0)\n"
        "img = np.zeros((120, 160, 3), np.uint8); img[50:70, 40:100] = 255\n"
        "p = r.read(img)\n"
        "import platekit.cli.main, platekit.cli.read\n"
        "print(json.dumps([len(p), 'torch' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [1, False]


def _ccpd_name(i: int, box) -> str:
    x1, y1, x2, y2 = box
    idx = [0, 0] + [(i * 7 + k) % 34 for k in range(5)]
    corners = f"{x2}&{y2}_{x1}&{y2}_{x1}&{y1}_{x2}&{y1}"
    return f"02-90_90-{x1}&{y1}_{x2}&{y2}-{corners}-{'_'.join(map(str, idx))}-100-10.jpg"


def test_bench_cli_on_toy_data(models, tmp_path, monkeypatch):
    import cv2
    from typer.testing import CliRunner

    from platekit.cli.main import app

    monkeypatch.setattr("platekit.inference.reader.DEFAULT_MIN_CONFIDENCE", 0.0)  # toy readings are ~1e-14
    data = tmp_path / "ccpd"
    data.mkdir()
    for i in range(40):
        box = (60 + i, 100, 160 + i, 130)
        cv2.imwrite(str(data / _ccpd_name(i, box)), scene(240, 320, box=box, seed=i)[..., ::-1])
    md, js = tmp_path / "bench.md", tmp_path / "bench.json"
    md.write_text("# Benchmarks\n\nhand-written intro stays\n")
    args = ["bench", str(data), "--threads", "1,2", "--detector", str(models["det"]), "--recognizer",
            str(models["slots"]), "--zoo", str(models["slots"]), "--no-baseline", "--write", str(md), "--json", str(js)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(js.read_text())
    assert [r["threads"] for r in out["runs"]] == [1, 2]
    n_val = out["runs"][0]["images"]
    assert 0 < n_val < 40 and out["runs"][0]["detected"] == 1.0  # toy detector finds every white plate
    assert out["runs"][0]["extra_plates"] == 0  # one plate per toy scene, nothing read elsewhere
    assert "Not measured (--no-baseline)" in res.output
    for k in ("decode", "detect", "rectify", "read", "total"):
        assert out["runs"][0][f"{k}_p50"] <= out["runs"][0][f"{k}_p95"]
    row = next(r for r in out["zoo"] if r["model"] == "tiny_slots_cn")  # shipped models come first
    assert row["kind"] == "recognizer" and row["n"] == n_val and row["params"] > 0
    text = md.read_text()
    assert "hand-written intro stays" in text and "<!-- bench:stages -->" in text and "| 2 |" in text
    CliRunner().invoke(app, args)  # a second run replaces the sections instead of appending
    assert md.read_text().count("<!-- bench:stages -->") == 1
    import onnxruntime

    assert "CPU: " in res.output and f"onnxruntime {onnxruntime.__version__}" in res.output
    assert out["machine"]["onnxruntime"] == onnxruntime.__version__ and out["machine"]["cpus"] >= 1
    quiet = CliRunner().invoke(app, [a for a in args if a not in ("--write", str(md))])  # docs only when asked
    assert quiet.exit_code == 0 and "wrote" not in quiet.output


class SecondLookRecognizer:
    """First call: an unsure reading; later calls: variant 2 of each plate is read confidently."""

    input_size, crop_margin, region = (16, 48), 0.05, "cn"

    def __init__(self):
        self.calls = []

    def read(self, crops):
        self.calls.append(len(crops))
        if len(self.calls) == 1:
            return [Reading("皖A11111", 0.5, (0.9,) * 7, "cn") for _ in crops]
        return [Reading("皖A22222" if k % 6 == 2 else "皖A33333", 0.95 if k % 6 == 2 else 0.2, (0.99,) * 7, "cn")
                for k in range(len(crops))]


def test_refine_uncertain_plates():
    rec = SecondLookRecognizer()
    img = np.zeros((60, 80, 3), np.uint8)
    # stitch_below=0: the fixed 2:1 box would also be read rows side by side (tests/test_stitch.py)
    plates = Reader(detector=FixedDetector(), recognizer=rec, refine_below=0.9, stitch_below=0).read(img)
    assert rec.calls == [1, len(Reader.VARIANTS)] and plates[0].text == "皖A22222"
    rec = SecondLookRecognizer()
    assert Reader(detector=FixedDetector(), recognizer=rec, refine_below=0, min_confidence=0,
                  stitch_below=0).read(img)[0].text == "皖A11111"
    assert rec.calls == [1]  # refine off: one read only


def test_refine_in_crop_mode():
    """Crop mode re-reads an unsure crop from moved crops of itself (refine_crops, on by default); off: one read."""
    img = (np.arange(40 * 120 * 3) % 251).astype(np.uint8).reshape(40, 120, 3)
    rec = SecondLookRecognizer()
    (p,) = Reader(recognizer=rec, crops=True, min_confidence=0).read(img)
    assert rec.calls == [1, len(Reader.VARIANTS)] and p.text == "皖A22222"
    rec = SecondLookRecognizer()
    (p,) = Reader(recognizer=rec, crops=True, min_confidence=0, refine_crops=False).read(img)
    assert rec.calls == [1] and p.text == "皖A11111"


def test_crop_mode_moved_crops_are_cut_from_the_crop_itself():
    """The moved crops are the given crop's own corners moved by Reader.VARIANTS (no reader margin added on top)."""
    from platekit.core.geometry import expand_corners, rectify

    class Recording(SecondLookRecognizer):
        def read(self, crops):
            self.crops = getattr(self, "crops", []) + [c.copy() for c in crops]
            return super().read(crops)

    img = (np.arange(40 * 120 * 3) % 251).astype(np.uint8).reshape(40, 120, 3)
    rec = Recording()
    Reader(recognizer=rec, crops=True, min_confidence=0, color="rgb").read(img)
    w, h = rec.input_size[1], rec.input_size[0]
    whole = np.float32([[0, 0], [119, 0], [119, 39], [0, 39]])
    for k, (mx, my, sx, sy) in enumerate(Reader.VARIANTS):
        c = expand_corners(whole, mx, my) + np.float32([119 * sx, 39 * sy])
        assert np.array_equal(rec.crops[1 + k], rectify(img, c, (w, h), 0.0)), f"variant {k}"


def test_recognition_verified_low_score_detections(models):
    img = scene(240, 320, box=(100, 120, 180, 150))
    det = str(models["det"])  # toy graph: plate 0.9, NMS'd duplicate 0.8, junk box (0, 0, 10, 10) at 0.1
    sure, unsure = ConstRecognizer("皖A12345", 0.9), ConstRecognizer("皖A12345", 0.5)
    assert len(Reader(detector=det, recognizer=sure).read(img)) == 1  # off by default
    plates = Reader(detector=det, recognizer=sure, verify_low=0.1).read(img)
    assert [round(p.detection_confidence, 2) for p in plates] == [0.9, 0.1]  # junk read confidently: kept
    plates = Reader(detector=det, recognizer=unsure, verify_low=0.1, min_confidence=0).read(img)
    assert [round(p.detection_confidence, 2) for p in plates] == [0.9]  # unsure reading: low candidate dropped


def test_bench_baseline_reads_interleaved(monkeypatch):
    # platekit reads each image right before RapidOCR does, so the speed ratio is taken under the same load
    import sys
    import types

    from platekit.core.ccpd import parse_ccpd_name
    from platekit.evaluation import bench as B  # noqa: N812

    calls = []

    class FakeOCR:
        def __init__(self, **kw):
            pass

        def __call__(self, path, **kw):
            calls.append(("rapid", path))
            return [], None

    class FakeReader:
        def read_result(self, path):
            calls.append(("ours", path))
            return types.SimpleNamespace(plates=[]), {}

    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", types.SimpleNamespace(RapidOCR=FakeOCR))
    name = "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg"
    recs = [parse_ccpd_name(f"/x/{i}/{name}") for i in range(3)]
    base = B.run_rapidocr(recs, reader=FakeReader())
    # warm-ups first (ours, then RapidOCR's), then image by image: ours, RapidOCR
    assert [c[0] for c in calls[2:]] == ["ours", "rapid"] * 3
    assert [c[1] for c in calls[2::2]] == [r.path for r in recs] == [c[1] for c in calls[3::2]]
    assert base["ours"]["images"] == base["images"] == 3 and base["ours"]["interleaved"]
    assert "interleaved" in B.baseline_text(base, base.pop("ours"))


def test_bench_baseline_interleaved_survives_a_read_error(monkeypatch):
    # an image platekit cannot read is a miss in the interleaved run (run_reader also keeps going), not a crash;
    # OpenCV gets the baseline's thread count (the last --threads run must not leave its own)
    import sys
    import types

    from platekit.core.ccpd import parse_ccpd_name
    from platekit.evaluation import bench as B  # noqa: N812

    class FakeOCR:
        def __init__(self, **kw):
            pass

        def __call__(self, path, **kw):
            return [], None

    class BadReader:
        def read_result(self, path):
            raise OSError("cannot decode")

    cv_threads = []
    monkeypatch.setattr(B.cv2, "setNumThreads", cv_threads.append)
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", types.SimpleNamespace(RapidOCR=FakeOCR))
    name = "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg"
    recs = [parse_ccpd_name(f"/x/{i}/{name}") for i in range(2)]
    base = B.run_rapidocr(recs, threads=1, reader=BadReader())
    assert base["ours"]["images"] == 2 and base["ours"]["exact_count"] == 0
    assert cv_threads == [1]


def test_an_image_with_no_plate_found_gets_one_look_on_the_larger_canvas():
    """detect_retry: the shipped detector misses a plate ~40 px wide in a 1000x1000 frame on its 384 canvas and
    finds it on the sidecar's 640 retry canvas; an image where the first look finds a plate is never looked at twice;
    a detector file without ``retry_empty`` (or a fixed-size graph) has no retry."""
    from platekit.inference.session import WEIGHTS_DIR

    frame = np.ascontiguousarray(far_plate_frame()[..., ::-1])  # RGB
    det = OnnxDetector(WEIGHTS_DIR / "detector.onnx")
    assert det.retry_size == (640, 640) and det.retry_threshold == 0.6
    assert det.detect(frame) == []
    found = det.detect_retry(frame)
    assert len(found) == 1 and 340 < found[0].box[0] < found[0].box[2] < 420  # the plate, in frame pixels
    res, _ = Reader(color="rgb").read_result(frame)
    assert len(res.plates) + len(res.unread_boxes) == 1
    res, _ = Reader(color="rgb", detect_retry=False).read_result(frame)
    assert len(res.plates) + len(res.unread_boxes) == 0

    calls = []

    class Counting:
        score_threshold = 0.5

        def __init__(self, first):
            self.first = first

        def detect(self, image, threshold=None):
            return self.first

        def detect_retry(self, image):
            calls.append(1)
            return []

    one = Detection((10.0, 10.0, 60.0, 30.0), ((10.0, 10.0), (60.0, 10.0), (60.0, 30.0), (10.0, 30.0)), 0.9)
    Reader(detector=Counting([one]), color="rgb").read(frame)
    assert calls == []
    Reader(detector=Counting([]), color="rgb").read(frame)
    assert calls == [1]
    low = Detection(one.box, one.corners, 0.3)  # a verify_low candidate only: nothing reached the threshold
    Reader(detector=Counting([low]), color="rgb", verify_low=0.5).read(frame)
    assert calls == [1, 1]
    Reader(detector=Counting([]), color="rgb", detect_retry=False).read(frame)
    Reader(detector=Counting([]), color="rgb", detect_retry=False).process(frame)
    assert calls == [1, 1]
    Reader(detector=Counting([]), color="rgb", detect_retry=False).process(frame, retry=True)
    assert calls == [1, 1, 1]


def test_a_detector_file_without_retry_empty_has_no_retry(tmp_path):
    import shutil

    from platekit.inference.session import WEIGHTS_DIR

    shutil.copy(WEIGHTS_DIR / "detector.onnx", tmp_path / "d.onnx")
    meta = json.loads((WEIGHTS_DIR / "detector.json").read_text(encoding="utf-8"))
    del meta["retry_empty"]
    (tmp_path / "d.json").write_text(json.dumps(meta), encoding="utf-8")
    det = OnnxDetector(tmp_path / "d.onnx")
    assert det.retry_size is None and det.detect_retry(np.zeros((100, 100, 3), np.uint8)) == []


def test_a_reader_for_another_region_keeps_every_setting_and_the_detector():
    """``Reader.for_region`` (serve's per-region readers): every __init__ argument but the models is in
    ``Reader.SETTINGS`` (a new setting left out fails here), and each keeps its non-default value."""
    import inspect

    params = set(inspect.signature(Reader.__init__).parameters) - {"self", "region", "detector", "recognizer", "router",
                                                                    "colour", "colour_readers"}
    assert params == set(Reader.SETTINGS)
    base = Reader(region="cn", min_confidence=0.3, refine_below=0.7, refine_crops=False, verify_low=0.5,
                  verify_confidence=0.6, color="rgb", route_confidence=0.7, route_weighting=True,
                  reduced_decode=False, stitch_below=2.0, text_prior=0.5, detect_retry=False, detect_size=320,
                  threads=2)
    ru = base.for_region("ru")
    assert ru.region == "ru" and ru.detector is base.detector
    assert [r.region for r in ru.recognizers] == ["ru"]
    for k in Reader.SETTINGS:
        assert getattr(ru, k) == getattr(base, k), k
    auto = base.for_region("auto")
    assert auto.router is not None and {r.region for r in auto.recognizers} >= {"cn", "ru", "latin"}
    assert Reader(crops=True).for_region("latin").detector is None
    assert all(getattr(base, k) not in (None, d.default) for k in Reader.SETTINGS
               for d in [inspect.signature(Reader.__init__).parameters[k]] if k != "crops"), "set every one"


def test_retry_looks_are_taken_in_turn_until_one_finds_a_plate(tmp_path):
    """A sidecar ``retry_empty`` list is a chain: each look only when the ones before found nothing; a look that
    repeats the first one (its canvas, at a threshold it already cut at) is dropped; a malformed one is an error."""
    import shutil

    from platekit.inference.session import WEIGHTS_DIR

    shutil.copy(WEIGHTS_DIR / "detector.onnx", tmp_path / "d.onnx")
    meta = json.loads((WEIGHTS_DIR / "detector.json").read_text(encoding="utf-8"))
    assert [lk["input_size"] for lk in meta["retry_empty"]] == [[640, 640], [256, 256]]  # the shipped chain
    frame = np.ascontiguousarray(far_plate_frame()[..., ::-1])
    meta["retry_empty"] = [{"input_size": [384, 384], "score_threshold": 0.5},  # the first look again: dropped
                           {"input_size": [640, 640], "score_threshold": 0.999},  # finds nothing
                           {"input_size": [640, 640], "score_threshold": 0.6}]
    (tmp_path / "d.json").write_text(json.dumps(meta), encoding="utf-8")
    det = OnnxDetector(tmp_path / "d.onnx")
    assert det.retries == [((640, 640), 0.999), ((640, 640), 0.6)]
    found = det.detect_retry(frame)
    assert len(found) == 1 and 340 < found[0].box[0] < found[0].box[2] < 420
    meta["retry_empty"] = meta["retry_empty"][:2]
    (tmp_path / "d.json").write_text(json.dumps(meta), encoding="utf-8")
    assert OnnxDetector(tmp_path / "d.onnx").detect_retry(frame) == []
    meta["retry_empty"] = [{"size": 640}]
    (tmp_path / "d.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(PlatekitError, match="retry_empty"):
        OnnxDetector(tmp_path / "d.onnx")


def test_detect_size_sets_the_first_look_canvas(models):
    """``Reader(detect_size=S)``: the detector it loads looks on an S canvas (the plate still found and read, in
    frame pixels); a detector object must have been built with that canvas; a fixed-size graph takes its own only."""
    import cv2
    from _read_fixtures import SAMPLE

    from platekit.inference.session import WEIGHTS_DIR

    img = cv2.imread(str(SAMPLE))  # BGR, one real plate
    fast, base = Reader(detect_size=256), Reader()
    assert fast.detector.input_size == (256, 256) and fast.for_region("ru").detector is fast.detector
    assert fast.detector.decode_size == (384, 384)  # a large JPEG is reduced no further than for the 384 look
    rgb = np.ascontiguousarray(img[..., ::-1])
    assert fast.detector.raw(rgb)[0].shape[0] < base.detector.raw(rgb)[0].shape[0]  # fewer locations scored
    (p_fast,), (p_base,) = fast.read(img), base.read(img)
    assert p_fast.text == p_base.text and abs(p_fast.box[0] - p_base.box[0]) < 0.05 * img.shape[1]
    with pytest.raises(PlatekitError, match="detect_size"):
        Reader(detector=OnnxDetector(WEIGHTS_DIR / "detector.onnx"), detect_size=256)
    Reader(detector=OnnxDetector(WEIGHTS_DIR / "detector.onnx", input_size=(256, 256)), detect_size=256)
    with pytest.raises(PlatekitError, match="fixed-size"):
        OnnxDetector(models["det"], input_size=(256, 256))
    with pytest.raises(PlatekitError, match="64 to 4096"):
        Reader(detect_size=16)
