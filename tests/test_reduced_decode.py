"""Reduced-size JPEG decoding for the detector (issue 19): the decode factor rule, the reduced decode itself,
the per-plate choice between reduced and full-resolution pixels, and the shipped reader reading the same."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from _hostile import with_exif_orientation

from platekit import Reader
from platekit.core.geometry import rectify
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
    yy, xx = np.mgrid[0:400, 0:600]
    full = np.stack([xx % 256, yy % 256, (xx + yy) % 256], -1).astype(np.uint8)  # a gradient: misplaced crops show
    small = cv2.resize(full, (300, 200), interpolation=cv2.INTER_AREA)
    calls = []
    px = Pixels(small, lambda: calls.append(1) or full, (400, 600))
    big = np.float32([[100, 100], [300, 100], [300, 160], [100, 160]])  # 60 rows = 30 reduced >= 0.5 x 48
    crop = px.rectify(big, (144, 48))
    assert crop.shape == (48, 144, 3) and not calls
    ref = rectify(full, big, (144, 48))
    assert np.abs(crop.astype(int) - ref).mean() < 3  # the same place, from softer pixels
    small_plate = big / 4  # 15 rows: 7.5 reduced, under half the reader's rows
    np.testing.assert_array_equal(px.rectify(small_plate, (144, 48)), rectify(full, small_plate, (144, 48)))
    px.rectify(small_plate, (144, 48))
    assert calls == [1] and px.full_ms > 0  # decoded once, when first needed
    np.testing.assert_array_equal(px.rectify(big, (144, 48)), crop)  # a big plate: its own choice, whatever else


def test_reader_reads_a_small_plate_from_full_pixels():
    img = cv2.imread(str(SAMPLE))
    plate = cv2.resize(img, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)  # plate ~38 rows: 19 at 1/2
    canvas = np.full((1200, 1400, 3), 90, np.uint8)
    canvas[: plate.shape[0], : plate.shape[1]] = plate
    buf = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    reader = Reader()
    px = reader.pixels(buf)
    assert px.reduced and px.image.shape == (600, 700, 3)
    plates, ms, _ = reader._process(px, None)
    assert px._full is not None and [p.text for p in plates] == ["皖XCDLNH"]  # read from the full decode
    res, ms = reader.read_result(buf)
    assert [p.text for p in res.plates] == [p.text for p in Reader(reduced_decode=False).read(buf)]
    assert ms["decode"] > 0 and min(ms.values()) >= 0


def test_bad_jpeg_headers_still_fail_cleanly():
    from _hostile import jpeg_sof

    from platekit.core.image import ImageError

    reader = Reader()
    with pytest.raises(ImageError, match="too small"):
        reader.read_result(jpeg_sof(720, 0))
    with pytest.raises(ImageError, match="not a decodable image"):
        reader.read_result(jpeg_sof(4000, 3000))  # a header with no scan data, large enough to be reduced
    assert jpeg_reduction(0, 100, (384, 384)) == 1


def test_custom_detector_without_a_size_pair_decodes_whole():
    class Det:
        input_size = 640  # e.g. a YOLO wrapper: an int, not (h, w)

        def detect(self, image):
            return []

    assert not Reader(detector=Det()).pixels(str(SAMPLE)).reduced


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


def test_cli_full_decode_reads_the_same(monkeypatch):
    import json

    from typer.testing import CliRunner

    import platekit.inference.reader as reader_mod
    from platekit.cli.main import app

    made = []

    class Spy(reader_mod.Reader):
        def __init__(self, *a, **kw):
            made.append(kw.get("reduced_decode"))
            super().__init__(*a, **kw)

    monkeypatch.setattr(reader_mod, "Reader", Spy)
    recs = []
    for extra in ([], ["--full-decode"]):
        res = CliRunner().invoke(app, ["read", str(SAMPLE), "--format", "jsonl", *extra])
        assert res.exit_code == 0, res.output
        recs.append(json.loads(res.output.strip().splitlines()[-1]))
    assert made == [True, False]  # the flag reaches the Reader
    assert [p["text"] for p in recs[0]["plates"]] == [p["text"] for p in recs[1]["plates"]] == ["皖XCDLNH"]
    assert (recs[0]["width"], recs[0]["height"]) == (recs[1]["width"], recs[1]["height"]) == (720, 1160)


def test_nearly_square_exif_turned_jpeg_keeps_its_upright_size():
    stored = np.full((2399, 2400, 3), 120, np.uint8)  # ceil(2399/4) == ceil(2400/4): the turn cannot be told
    buf = with_exif_orientation(cv2.imencode(".jpg", stored)[1].tobytes(), 6)
    px = Reader().pixels(buf)
    assert px.shape == decode_image(buf).shape[:2] == (2400, 2399) and not px.reduced


@pytest.mark.parametrize("kind", ["jpg", "jpg_half", "jpg_exif6", "jpg_truncated", "png", "png16", "png_grey",
                                  "png_alpha", "png_posterized", "bmp", "webp", "tiff", "ppm", "gif"])
def test_decode_straight_to_rgb_gives_the_pixels_of_bgr_then_cvtcolor(kind):
    """decode_image asks OpenCV for RGB directly where it can (no cvtColor pass): every format, reduced decodes,
    EXIF rotation and truncated JPEGs give exactly the pixels of the BGR decode + cvtColor."""
    from platekit.core import image as im

    if im._RGB is None:
        pytest.skip(f"OpenCV {cv2.__version__} has no IMREAD_COLOR_RGB: decode_image does BGR + cvtColor itself")
    rng = np.random.default_rng(1)
    img = cv2.GaussianBlur(rng.integers(0, 255, (61, 83, 3), np.uint8), (5, 5), 0)
    ext, reduce, params = kind.split("_")[0].replace("png16", "png"), 2 if kind == "jpg_half" else 1, []
    src = img
    if kind == "png16":
        src = img.astype(np.uint16) * 257
    elif kind == "png_grey":
        src = img[..., 0]
    elif kind == "png_alpha":
        src = np.dstack([img, img[..., :1]])
    elif kind == "png_posterized":
        src = (img // 64 * 64).astype(np.uint8)
    if ext == "gif" and not cv2.haveImageWriter(".gif"):
        pytest.skip("this OpenCV cannot write GIF")
    buf = cv2.imencode("." + ext, src, params)[1].tobytes()
    if kind == "jpg_exif6":
        buf = with_exif_orientation(buf, 6)
    if kind == "jpg_truncated":
        buf = buf[: len(buf) * 2 // 3]
    got = decode_image(buf, reduce=reduce)
    flag = im._flag(reduce if ext == "jpg" else 1, rgb=False)
    if kind == "jpg_truncated":
        buf = buf + b"\xff\xd9"
    ref = cv2.cvtColor(cv2.imdecode(np.frombuffer(buf, np.uint8), flag), cv2.COLOR_BGR2RGB)
    assert got.shape == ref.shape and got.dtype == np.uint8
    np.testing.assert_array_equal(got, ref)
