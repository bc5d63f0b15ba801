"""Two-row plates read as one line (issue 14): row layouts as data, stitch_rows, the generator and the Reader."""

from __future__ import annotations

import numpy as np
import pytest

from platekit.core.formats import CN_TYPE_INFO, row_layouts
from platekit.core.geometry import corner_aspect, stitch_rows, stitch_source_size
from platekit.core.results import Detection, Reading


def test_row_layouts_are_data():
    (lay,) = row_layouts("cn")
    assert lay.name == "cn-yellow-2row" and lay.aspect == pytest.approx(2.0)
    assert lay.row_boxes == CN_TYPE_INFO["cn-yellow-2row"].row_boxes and len(lay.row_boxes) == 2
    assert row_layouts("ru") == () and row_layouts("latin") == () and row_layouts(None) == ()
    for x0, y0, x1, y1 in lay.row_boxes:
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1


def test_stitch_rows_puts_the_top_row_left_of_the_bottom_row():
    """A 2:1 plate whose top row is red and bottom row blue (margin 0.05 as rectify cuts it) -> one line, red
    on the left, blue on the right, at the requested size."""
    m = 0.05
    crop = np.zeros(stitch_source_size((144, 48), 2.0)[::-1] + (3,), np.uint8)
    h, w = crop.shape[:2]
    y = lambda f: int(round((2 * m + f) / (1 + 4 * m) * h))  # noqa: E731
    crop[y(0.0) : y(0.4)] = (255, 0, 0)
    crop[y(0.4) : y(1.0)] = (0, 0, 255)
    assert crop.shape == (144, 288, 3)
    out = stitch_rows(crop, ((0.2, 0.02, 0.8, 0.38), (0.0, 0.42, 1.0, 0.98)), m, (144, 48))
    assert out.shape == (48, 144, 3)
    left, right = out[:, :40].reshape(-1, 3).mean(0), out[:, -60:].reshape(-1, 3).mean(0)
    assert left[0] > 200 and left[2] < 30 and right[2] > 200 and right[0] < 30


def test_corner_aspect():
    assert corner_aspect(np.array([[0, 0], [440, 0], [440, 140], [0, 140]])) == pytest.approx(440 / 140)
    assert corner_aspect(np.array([[0, 0], [10, 0], [10, 0], [0, 0]])) == float("inf")


def test_generator_stitches_two_row_plates_as_the_reader_does():
    from platekit.synth.generator import PlateSynth

    a = PlateSynth("cn-yellow-2row", size=(144, 48), seed=3).sample_at(0)
    b = PlateSynth("cn-yellow-2row", size=(144, 48), seed=3).sample_at(0)
    c = PlateSynth("cn-yellow-2row", size=(144, 48), seed=3, stitch_rows=False).sample_at(0)
    assert a[0].shape == c[0].shape == (48, 144, 3) and a[1] == c[1]
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])
    # a one-row type is untouched by the option
    d = PlateSynth("cn-blue", seed=3).sample_at(0)[0]
    assert np.array_equal(d, PlateSynth("cn-blue", seed=3, stitch_rows=False).sample_at(0)[0])


class Squat:
    """One plate with the given corner aspect."""

    def __init__(self, aspect: float):
        self.aspect = aspect

    def detect(self, image):
        w = 20.0 * self.aspect
        return [Detection((5.0, 5.0, 5.0 + w, 25.0), ((5.0, 5.0), (5.0 + w, 5.0), (5.0 + w, 25.0), (5.0, 25.0)), 0.9)]


class Counting:
    """A cn reader that is surer of every second batch it reads (the stitched one, when there is one)."""

    input_size, crop_margin, region = (48, 144), 0.05, "cn"

    def __init__(self):
        self.batches: list[tuple[int, ...]] = []

    def read(self, crops):
        self.batches.append(tuple(c.shape for c in crops))
        conf = 0.6 if len(self.batches) == 1 else 0.95
        return [Reading("皖A12345", conf, (conf,) * 7, "cn-blue") for _ in crops]


@pytest.mark.parametrize("aspect, stitch_below, reads, kind", [(2.0, 2.6, 2, "cn-yellow-2row"),
                                                               (3.1, 2.6, 1, "cn-blue"),
                                                               (2.0, 0.0, 1, "cn-blue")])
def test_reader_reads_squat_plates_stitched_and_reports_the_two_row_type(aspect, stitch_below, reads, kind):
    from platekit import Reader

    rec = Counting()
    plates = Reader(detector=Squat(aspect), recognizer=rec, min_confidence=0, refine_below=0,
                    stitch_below=stitch_below).read(np.zeros((80, 160, 3), np.uint8))
    assert len(rec.batches) == reads and all(s == (48, 144, 3) for b in rec.batches for s in b)
    assert len(plates) == 1 and plates[0].type == kind
    assert plates[0].confidence == pytest.approx(0.95 if reads == 2 else 0.6)


def test_reader_keeps_the_one_row_reading_when_the_stitched_one_is_not_better():
    from platekit import Reader

    class Unsure(Counting):
        def read(self, crops):
            self.batches.append(())
            text, conf = ("皖A12345", 0.9) if len(self.batches) == 1 else ("皖A1", 0.99)  # stitched: no format
            return [Reading(text, conf, (conf,) * len(text), "cn-blue" if len(text) == 7 else None) for _ in crops]

    rec = Unsure()
    (p,) = Reader(detector=Squat(2.0), recognizer=rec, min_confidence=0, refine_below=0).read(
        np.zeros((80, 160, 3), np.uint8))
    assert len(rec.batches) == 2 and p.text == "皖A12345" and p.type == "cn-blue"


def test_stitched_type_only_when_the_text_fits_it():
    """A stitched reading that wins but fits no two-row text keeps the type its text fits (or none)."""
    from platekit import Reader

    class Odd(Counting):
        def read(self, crops):
            self.batches.append(())
            text, conf = ("皖A1234", 0.55) if len(self.batches) == 1 else ("皖AD12345", 0.95)
            return [Reading(text, conf, (conf,) * len(text), "cn-green" if len(text) == 8 else None) for _ in crops]

    (p,) = Reader(detector=Squat(2.0), recognizer=Odd(), min_confidence=0, refine_below=0).read(
        np.zeros((80, 160, 3), np.uint8))
    assert p.text == "皖AD12345" and p.type == "cn-green"


def test_write_dataset_can_squeeze_two_row_plates(tmp_path):
    from platekit.core.image import load_image
    from platekit.synth.generator import write_dataset

    a = load_image(str(tmp_path / "a" / "images" / "0000000.png")) if write_dataset(
        str(tmp_path / "a"), "cn-yellow-2row", n=1, seed=5) else None
    write_dataset(str(tmp_path / "b"), "cn-yellow-2row", n=1, seed=5, stitch_rows=False)
    b = load_image(str(tmp_path / "b" / "images" / "0000000.png"))
    assert a.shape == b.shape == (48, 144, 3) and not np.array_equal(a, b)
