"""Plate colour (issue 14): a Chinese plate's type by its text and the colour seen in its pixels."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from platekit import Reader
from platekit.core.formats import CN_TYPE_INFO, REGIONS, cn_types_by_colour
from platekit.core.results import Detection, Reading
from platekit.inference.reader import _plate_type


def test_every_type_has_one_plate_colour():
    by = cn_types_by_colour()
    assert sorted(n for names in by.values() for n in names) == sorted(CN_TYPE_INFO)
    assert set(by) == {"blue", "green", "yellow", "white", "black"}
    assert by["blue"] == ["cn-blue"] and by["green"] == ["cn-green", "cn-green-large"]


@pytest.mark.parametrize("text,colour,expected", [
    ("皖A12345", None, "cn-blue"),  # the colour unknown: the text's first fit, as before
    ("皖A12345", "blue", "cn-blue"),
    ("皖A12345", "yellow", "cn-yellow"),  # the same characters on a yellow plate
    ("皖A12345", "green", "cn-blue"),  # no green type spells a 7-character text: the text decides
    ("皖AD12345", "green", "cn-green"),
    ("皖A12345D", "green", "cn-green-large"),
    ("京A1234学", "blue", "cn-learner"),  # a text only one type spells keeps that type
    ("苏A1234警", "white", "cn-police"),
])
def test_type_by_text_and_colour(text, colour, expected):
    assert REGIONS["cn"].guess_type(text, colour).name == expected
    assert _plate_type(text, "cn", colour) == expected


class _Rec:
    input_size, crop_margin, region = (16, 48), 0.0, "cn"

    def read(self, crops):
        return [Reading("皖A12345", 0.95, (0.95,) * 7, "cn") for _ in crops]


class _Det:
    def detect(self, image):
        return [Detection((10.0, 10.0, 50.0, 30.0), None, 0.9), Detection((60.0, 10.0, 100.0, 30.0), None, 0.9)]


class _Colour:
    """Fixed colours per plate in detection order (None: not sure), as ``OnnxPlateColour.colours`` reports them."""

    def __init__(self, said):
        self.said, self.seen = list(said), 0

    def colours(self, crops):
        self.seen += len(crops)
        return self.said[: len(crops)]


def test_reader_reports_colour_and_type():
    colour = _Colour(["yellow", None])
    plates = Reader(detector=_Det(), recognizer=[_Rec()], colour=colour, refine_below=0).read(
        np.zeros((60, 120, 3), np.uint8))
    assert [(p.text, p.colour, p.type) for p in plates] == [("皖A12345", "yellow", "cn-yellow"),
                                                            ("皖A12345", None, "cn-blue")]  # not sure: by text
    assert colour.seen == 2 and plates[0].to_dict()["colour"] == "yellow"
    off = Reader(detector=_Det(), recognizer=[_Rec()], colour=False, refine_below=0).read(np.zeros((60, 120, 3), np.uint8))
    assert [(p.colour, p.type) for p in off] == [(None, "cn-blue")] * 2


def test_only_plates_of_a_coloured_region_are_judged():
    class _Latin(_Rec):
        region = "latin"

        def read(self, crops):
            return [Reading("AB123CD", 0.95, (0.95,) * 7, "latin") for _ in crops]

    colour = _Colour(["blue", "blue"])
    plates = Reader(region="latin", detector=_Det(), recognizer=[_Latin()], colour=colour, refine_below=0).read(
        np.zeros((60, 120, 3), np.uint8))
    assert colour.seen == 0 and all(p.colour is None for p in plates)
    # --region auto with a router: each plate's colour comes from the crop of the reader that read it, Latin not judged
    from platekit.core.results import Detection as D

    class _Three:
        def detect(self, image):
            return [D((10.0, 10.0, 50.0, 30.0), None, 0.9), D((60.0, 10.0, 100.0, 30.0), None, 0.8),
                    D((10.0, 40.0, 50.0, 58.0), None, 0.7)]

    class _Router:
        input_size, crop_margin, classes = (8, 24), 0.0, ("cn", "ru", "latin")

        def probs(self, crops):
            return np.array([[0.99, 0.0, 0.01], [0.0, 0.0, 1.0], [0.98, 0.01, 0.01]], np.float32)[: len(crops)]

    colour = _Colour(["yellow", "green"])
    plates = Reader(region="auto", detector=_Three(), recognizer=[_Rec(), _Latin()], router=_Router(), colour=colour,
                    refine_below=0).read(np.zeros((60, 120, 3), np.uint8))
    assert colour.seen == 2  # the two cn-routed plates only
    assert [(p.region, p.colour) for p in plates] == [("cn", "yellow"), ("latin", None), ("cn", "green")]


def test_a_reader_for_another_region_keeps_its_colour_classifier():
    colour = _Colour([])
    base = Reader(detector=_Det(), recognizer=[_Rec()], colour=colour)
    assert base.for_region("ru").colour is colour and base.for_region("auto").colour is colour
    assert Reader(detector=_Det(), recognizer=[_Rec()], colour=False).for_region("auto").colour is None
    assert Reader(region="ru").colour is None  # the shipped classifier is loaded for cn and auto only


def test_shipped_colour_classifier_sees_a_drawn_yellow_plate():
    """The shipped classifier on the generator's own plates (clean, difficulty 0): blue, yellow and green apart."""
    from platekit.inference.region import plate_colour_classifier
    from platekit.inference.session import shipped_models
    from platekit.synth import PlateSynth

    clf = plate_colour_classifier(shipped_models("plate_colour")["colour"])  # shipped in the package
    for fmt, want in (("cn-blue", "blue"), ("cn-yellow", "yellow"), ("cn-green", "green")):
        crops = [PlateSynth([fmt], difficulty=0.0, seed=5).sample_at(i)[0] for i in range(4)]
        assert clf.colours(crops) == [want] * 4, fmt
        grey = [np.repeat(cv2.cvtColor(c, cv2.COLOR_RGB2GRAY)[..., None], 3, 2) for c in crops]
        assert clf.colours(grey) == [None] * 4, fmt  # an IR / grey crop: no colour, whatever the network says


def test_read_cli_reports_the_sample_plate_blue_and_no_colour_turns_it_off():
    from typer.testing import CliRunner

    from platekit.cli.main import app
    from platekit.inference.session import shipped_models

    assert shipped_models("plate_colour").get("colour") is not None  # shipped in the package
    sample = str(Path(__file__).resolve().parents[1] / "src" / "platekit" / "samples" / "cn_sample.jpg")
    runner = CliRunner()
    on = runner.invoke(app, ["read", sample, "--format", "jsonl"])
    off = runner.invoke(app, ["read", sample, "--format", "jsonl", "--no-colour"])
    assert on.exit_code == 0 and off.exit_code == 0, on.output + off.output
    p_on, p_off = json.loads(on.stdout)["plates"][0], json.loads(off.stdout)["plates"][0]
    assert (p_on["colour"], p_on["type"]) == ("blue", "cn-blue")
    assert (p_off["colour"], p_off["type"]) == (None, "cn-blue") and p_off["text"] == p_on["text"]


def test_eval_reader_and_bench_take_no_colour():
    """``--no-colour`` on eval reader and bench (no colour classifier, so no colour specialist either)."""
    from _data_fixtures import DATA
    from typer.testing import CliRunner

    from platekit.cli.main import app

    demo = DATA / "ccpd_demo"
    if not demo.is_dir():
        pytest.skip(f"{demo} not found (the real CCPD demo plates live in ../shared/data)")
    runner = CliRunner()
    reports = []
    for extra in ([], ["--no-colour"]):
        res = runner.invoke(app, ["eval", "reader", str(demo), "--out", "", *extra])
        assert res.exit_code == 0, res.output
        reports.append([line for line in res.output.splitlines() if line.startswith("| all")])
    assert all(len(r) == 1 for r in reports)
    res = runner.invoke(app, ["bench", str(demo), "--limit", "2", "--zoo-limit", "1", "--no-colour"])
    assert res.exit_code == 0, res.output
