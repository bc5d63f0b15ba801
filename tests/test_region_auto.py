"""--region auto: the region classifier routes each plate to one reader; nothing is guessed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from platekit.core.formats import REGIONS
from platekit.core.results import Detection, Reading
from platekit.inference.reader import Reader


class TwoPlates:
    def detect(self, image):
        return [Detection((10.0, 10.0, 50.0, 30.0), None, 0.9), Detection((60.0, 10.0, 100.0, 30.0), None, 0.8)]


class CountingRecognizer:
    input_size, crop_margin = (16, 48), 0.0

    def __init__(self, text, conf, region):
        self.text, self.conf, self.region, self.seen = text, conf, region, 0

    def read(self, crops):
        self.seen += len(crops)
        fmt = self.region if REGIONS[self.region].guess_format(self.text) else None
        return [Reading(self.text, self.conf, (self.conf,) * len(self.text), fmt) for _ in crops]


class FixedRouter:
    """Region probabilities per plate, in detection order."""

    input_size, crop_margin, classes = (8, 24), 0.0, ("cn", "ru", "latin")

    def __init__(self, rows):
        self.rows = np.asarray(rows, np.float32)

    def probs(self, crops):
        assert len(crops) == len(self.rows) and crops[0].shape == (8, 24, 3)
        return self.rows


def _reader(router, recs, **kw):
    kw = {"stitch_below": 0, **kw}  # the 2:1 boxes would also be read rows side by side (tests/test_stitch.py)
    return Reader(region="auto", detector=TwoPlates(), recognizer=recs, min_confidence=0.5, router=router, **kw)


IMG = np.zeros((40, 120, 3), np.uint8)


def test_each_plate_is_read_by_its_routed_reader_only():
    cn, latin = CountingRecognizer("皖A12345", 0.95, "cn"), CountingRecognizer("AB123CD", 0.97, "latin")
    reader = _reader(FixedRouter([[0.9, 0.05, 0.05], [0.02, 0.03, 0.95]]), [cn, latin], refine_below=0)
    result, _ = reader.read_result(IMG)
    assert [(p.text, p.region) for p in result.plates] == [("皖A12345", "cn"), ("AB123CD", "latin")]
    assert (cn.seen, latin.seen) == (1, 1)  # the confident latin reader never saw the Chinese plate


def test_unsure_router_asks_every_reader_and_format_wins():
    cn, latin = CountingRecognizer("皖A12345", 0.7, "cn"), CountingRecognizer("AB1", 0.99, "latin")
    reader = _reader(FixedRouter([[0.5, 0.1, 0.4], [0.5, 0.1, 0.4]]), [cn, latin], refine_below=0)
    plates = reader.read(IMG)
    assert (cn.seen, latin.seen) == (2, 2)
    assert [p.text for p in plates] == ["AB1", "AB1"]  # both fit a format; the more confident one wins


def test_a_plate_no_reader_fits_is_unread_with_its_box():
    ru = CountingRecognizer("A12", 0.99, "ru")  # confident, but no Russian format
    reader = _reader(FixedRouter([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]), [ru], refine_below=0)
    result, _ = reader.read_result(IMG)
    assert result.plates == () and result.unread == 2
    assert result.unread_boxes == ((10.0, 10.0, 50.0, 30.0), (60.0, 10.0, 100.0, 30.0))
    assert result.to_dict()["unread_boxes"][1] == [60.0, 10.0, 100.0, 30.0]
    # the same reading with one region asked for is returned (the user chose the reader)
    plain = Reader(region="ru", detector=TwoPlates(), recognizer=[ru], min_confidence=0.5, refine_below=0,
                   stitch_below=0)
    assert [p.text for p in plain.read(IMG)] == ["A12", "A12"]


def test_region_classifier_exports_and_routes(tmp_path):
    torch = pytest.importorskip("torch")
    from platekit.export.onnx import export_onnx
    from platekit.inference.region import OnnxRegionClassifier
    from platekit.models.registry import create_model

    model = create_model("region_classifier", input_size=(40, 128)).eval()
    path = tmp_path / "region.onnx"
    export_onnx(model, torch.zeros(1, 40, 128, 3, dtype=torch.uint8), path, "probs")
    (tmp_path / "region.json").write_text(json.dumps({
        "kind": "region_classifier", "classes": ["cn", "ru", "latin"], "input": {"height": 40, "width": 128}}))
    clf = OnnxRegionClassifier(path)
    crops = [np.random.default_rng(i).integers(0, 255, (30 + i, 90, 3), dtype=np.uint8) for i in range(3)]
    p = clf.probs(crops)
    assert p.shape == (3, 3) and np.allclose(p.sum(1), 1, atol=1e-5)
    with torch.no_grad():
        x = torch.from_numpy(np.stack([__import__("cv2").resize(c, (128, 40), interpolation=3) for c in crops]))
        assert np.allclose(model(x).numpy(), p, atol=1e-4)


def test_region_classifier_training_smoke(tmp_path):
    pytest.importorskip("torch")
    from platekit.inference.region import OnnxRegionClassifier
    from platekit.train.region_classifier import ClassifierData, train

    data = ClassifierData(ccpd=None, openlpr_crops=None, synth_per_class=8)
    meta = train(str(tmp_path / "r.onnx"), data, size=(24, 72), steps=3, batch=12, log=lambda *_: None)
    assert meta["classes"] == ["cn", "ru", "latin"] and set(meta["val_accuracy"]) >= {"synth_cn", "synth_ru"}
    assert OnnxRegionClassifier(tmp_path / "r.onnx").probs([np.zeros((24, 72, 3), np.uint8)]).shape == (1, 3)


def test_region_classifier_synthetic_crops_split_over_difficulties():
    pytest.importorskip("torch")
    from platekit.train.region_classifier import _synth

    one = _synth(["cn-blue"], 5, (24, 72), 3, 0.0)
    assert one.shape == (5, 24, 72, 3)
    # the first difficulty keeps the old seed: a one-difficulty list at 0.8 is the default set
    assert np.array_equal(one, _synth(["cn-blue"], 5, (24, 72), 3, 0.0, (0.8,)))
    mixed = _synth(["cn-blue"], 5, (24, 72), 3, 0.0, (0.2, 1.0))
    assert mixed.shape == (5, 24, 72, 3)  # 3 + 2, none lost to the split
    easy, hard = _synth(["cn-blue"], 3, (24, 72), 3, 0.0, (0.2,)), _synth(["cn-blue"], 2, (24, 72), 3 + 7919, 0.0, (1.0,))
    assert np.array_equal(mixed, np.concatenate([easy, hard]))


def test_unknown_region_message_lists_the_regions():
    from platekit.errors import PlatekitError

    with pytest.raises(PlatekitError, match="use cn, ru.* or auto"):
        Reader(region="xx", recognizer=[CountingRecognizer("A", 1.0, "cn")], crops=True)


def test_unread_boxes_are_drawn_in_grey():
    from platekit.inference.vis import UNREAD, draw

    img = np.zeros((60, 120, 3), np.uint8)
    out = draw(img, [], color="rgb", unread=[(20.0, 25.0, 90.0, 50.0)], label=False)
    assert tuple(out[25, 50]) == UNREAD and tuple(out[50, 50]) == UNREAD  # top and bottom edges
    assert out[37, 50].sum() == 0  # inside stays as it was
    assert (draw(img, [], color="rgb") == img).all()
