"""Reduced-size JPEG decoding for the detector (issue 19): the decode factor rule, the reduced decode itself,
the per-plate choice between reduced and full-resolution pixels, and the shipped reader reading the same."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from _hostile import with_exif_orientation

from platekit import Reader
from platekit.core.image import decode_image, jpeg_reduction
from platekit.inference.reader import Pixels

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "platekit" / "samples" / "cn_sample.jpg"


@pytest.mark.parametrize(("w", "h", "f"), [(720, 1160, 2), (1160, 720, 2), (4032, 3024, 4), (8000, 6000, 8),
                                           (1024, 768, 1), (640, 480, 1), (100, 60, 1)])
def test_jpeg_reduction(w, h, f):
    # the detector must still shrink the reduced image by 0.7 or more (1024 px: 0.75 after halving, so full)
    assert jpeg_reduction(w, h, (384, 384)) == f


def test_decode_reduced_sizes():
    img = np.random.default_rng(0).integers(0, 255, (203, 101, 3), np.uint8)
    jpg = cv2.imencode(".jpg", img)[1].tobytes()
    assert decode_image(jpg, reduce=2).shape == (102, 51, 3)  # each side rounded up
    assert decode_image(jpg, reduce=4).shape == (51, 26, 3)
    png = cv2.imencode(".png", img)[1].tobytes()
    assert decode_image(png, reduce=2).shape == (203, 101, 3)  # only JPEG decodes at reduced size
    with pytest.raises(ValueError, match="reduce must be one of"):
        decode_image(jpg, reduce=3)


def test_pixels_decode_full_only_for_small_plates():
    full = np.zeros((400, 600, 3), np.uint8)
    calls = []
    px = Pixels(full[::2, ::2].copy(), lambda: calls.append(1) or full, (400, 600))
    big = np.float32([[100, 100], [300, 100], [300, 160], [100, 160]])  # 60 rows = 30 reduced >= 0.5 x 48
    assert px.rectify(big, (144, 48)).shape == (48, 144, 3) and not calls
    small = big / 4  # 15 rows: 7.5 reduced, under half the reader's rows
    px.rectify(small, (144, 48))
    px.rectify(small, (144, 48))
    assert calls == [1] and px.full_ms > 0  # decoded once, when first needed


@pytest.fixture(scope="module")
def readers():
    return Reader(region="cn"), Reader(region="cn", reduced_decode=False)


def _same(a, b):
    assert [p.text for p in a.plates] == [p.text for p in b.plates] and a.plates
    np.testing.assert_allclose(a.plates[0].corners, b.plates[0].corners, atol=4)
    assert (a.width, a.height) == (b.width, b.height)


def test_shipped_reader_reads_the_same_from_reduced_pixels(readers):
    fast, full = readers
    px = fast.pixels(str(SAMPLE))
    assert px.reduced and px.image.shape == (580, 360, 3) and px.shape == (1160, 720)
    a, ms = fast.read_result(str(SAMPLE))
    b, _ = full.read_result(str(SAMPLE))
    _same(a, b)
    assert a.plates[0].text == "皖XCDLNH" and (a.width, a.height) == (720, 1160)
    assert not full.pixels(str(SAMPLE)).reduced
    assert set(ms) == {"decode", "detect", "rectify", "read"}


def test_reduced_decode_keeps_exif_orientation(readers):
    fast, full = readers
    stored = cv2.rotate(cv2.imread(str(SAMPLE)), cv2.ROTATE_90_COUNTERCLOCKWISE)  # sideways pixels ...
    buf = with_exif_orientation(cv2.imencode(".jpg", stored, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes(), 6)
    assert fast.pixels(buf).shape == (1160, 720)  # ... shown upright
    _same(fast.read_result(buf)[0], full.read_result(buf)[0])


def test_cli_full_decode_reads_the_same():
    import json

    from typer.testing import CliRunner

    from platekit.cli.main import app

    recs = []
    for extra in ([], ["--full-decode"]):
        res = CliRunner().invoke(app, ["read", str(SAMPLE), "--format", "jsonl", *extra])
        assert res.exit_code == 0, res.output
        recs.append(json.loads(res.output.strip().splitlines()[-1]))
    assert [p["text"] for p in recs[0]["plates"]] == [p["text"] for p in recs[1]["plates"]] == ["皖XCDLNH"]
    assert (recs[0]["width"], recs[0]["height"]) == (recs[1]["width"], recs[1]["height"]) == (720, 1160)
