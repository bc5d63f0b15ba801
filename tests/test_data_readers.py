"""Dataset readers: every format, malformed input, auto-detection, crops, stats. Generated fixtures + real data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _data_fixtures import DATA, IDX, QUAD, ccpd_name, needs_data, scene, write_rgb  # noqa: E402,F401

from platekit.data.readers import (
    DataWarning,
    DetectionSample,
    PlateSample,
    ccpd_as_detection,
    detect_kind,
    image_size,
    load_detections,
    load_plate_crop,
    load_plates,
    read_ccpd,
    read_crop_folder,
    read_csv,
    read_detection_jsonl,
    read_nomeroff,
    text_from_crop_name,
)
from platekit.data.split import split_by_text
from platekit.data.stats import detection_stats, plate_stats
from platekit.errors import PlatekitError


@pytest.fixture
def ccpd_dir(tmp_path: Path) -> Path:
    root = tmp_path / "ccpd"
    write_rgb(root / ccpd_name(QUAD), scene())
    green = "0_0_3_24_24_29_30_30"  # 皖AD00566
    write_rgb(root / "sub" / ccpd_name(QUAD, green), scene())
    write_rgb(root / "hello.jpg", scene())  # not a CCPD name
    (root / "notes.txt").write_text("not an image")
    return root


# --- CCPD ------------------------------------------------------------------------------------------


def test_read_ccpd_skips_bad_names_with_one_warning(ccpd_dir: Path):
    skipped: list[str] = []
    with pytest.warns(DataWarning, match=r"skipped 1 of 3 .*hello\.jpg"):
        samples = read_ccpd(str(ccpd_dir), skipped=skipped)
    assert [s.text for s in samples] == ["皖AY339S", "皖AD00566"]  # sorted by relative path
    assert [s.format for s in samples] == ["cn-blue", "cn-green"]
    s = samples[0]
    assert s.corners == tuple(tuple(p) for p in QUAD) and s.box == (58, 100, 182, 150)
    assert len(skipped) == 1 and "hello.jpg" in skipped[0]


def test_read_ccpd_strict_names_the_file(ccpd_dir: Path):
    with pytest.raises(PlatekitError, match=r"hello\.jpg: not a CCPD name"):
        read_ccpd(str(ccpd_dir), skip_bad=False)


def test_round_trip_name_reader_rectified_crop(ccpd_dir: Path):
    s = read_ccpd(str(ccpd_dir / "sub"))[0]
    crop = load_plate_crop(s, (94, 24), "corners")
    assert crop.shape == (24, 94, 3) and crop.dtype == np.uint8
    left, right = crop[3:-3, 3:44].astype(int), crop[3:-3, 50:-3].astype(int)
    assert left[..., 0].mean() > 200 and left[..., 2].mean() < 50  # red half on the left: lt/rt order kept
    assert right[..., 2].mean() > 200 and right[..., 0].mean() < 50
    bb = load_plate_crop(s, (94, 24), "bbox")
    assert bb.shape == (24, 94, 3) and bb.mean() < crop.mean()  # the box includes black corners
    whole = load_plate_crop(s, (50, 40), "whole")
    assert whole.shape == (40, 50, 3)
    nat = load_plate_crop(s)  # natural size from the corner edge lengths
    assert abs(nat.shape[1] - 122) <= 2 and abs(nat.shape[0] - 40) <= 2
    wide = load_plate_crop(s, (94, 24), "corners", margin=0.2)
    assert wide[:, :4].mean() < 40  # the margin reaches the black background


def test_crop_fallbacks_and_bad_mode():
    img = np.full((30, 100, 3), 7, np.uint8)
    s = PlateSample("unused.png", "X371HK96", "ru", None, None)
    assert load_plate_crop(s, (94, 24), "corners", image=img).shape == (24, 94, 3)  # crop: whole image
    assert load_plate_crop(s, image=img) is img
    with pytest.raises(ValueError, match="mode"):
        load_plate_crop(s, (94, 24), "quad", image=img)


def test_ccpd_as_detection_reads_sizes_from_headers(ccpd_dir: Path, tmp_path: Path):
    with pytest.warns(DataWarning):
        det = ccpd_as_detection(read_ccpd(str(ccpd_dir)))
    assert len(det) == 2 and all(isinstance(d, DetectionSample) for d in det)
    assert (det[0].width, det[0].height) == (240, 320)
    assert det[0].boxes == ((58, 100, 182, 150),) and det[0].corners[0][0] == (60, 100)
    png = tmp_path / "a.png"
    write_rgb(png, np.zeros((17, 33, 3), np.uint8))
    assert image_size(str(png)) == (33, 17)
    with pytest.raises(PlatekitError, match="no box"):
        ccpd_as_detection([PlateSample("x.png", "A", None, None, None)])


# --- crop folders --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("皖A12345.jpg", "皖A12345"),
        ("123-皖A12345.jpg", "皖A12345"),
        ("皖A12345__2.jpg", "皖A12345"),
        ("0-沪B9876D__13.png", "沪B9876D"),
        ("1000_X371HK96_0.png", "X371HK96"),
        ("х371нк96.png", "X371HK96"),  # Cyrillic lookalikes -> Latin
        ("AA 0013 BM.png", "AA0013BM"),
        ("plate (copy).jpg", None),
        ("__3.jpg", None),
    ],
)
def test_text_from_crop_name(name, text):
    assert text_from_crop_name("/some/dir/" + name) == text


def test_read_crop_folder(tmp_path: Path):
    img = np.full((24, 94, 3), 128, np.uint8)
    for n in ("皖A12345.jpg", "123-皖B12345.jpg", "皖A12345__2.jpg", "nested/X371HK96.png", "bad name!.jpg"):
        write_rgb(tmp_path / n, img)
    with pytest.warns(DataWarning, match="skipped 1 of 5"):
        samples = read_crop_folder(str(tmp_path))
    got = {(s.text, s.format) for s in samples}
    assert got == {("皖A12345", "cn-blue"), ("皖B12345", "cn-blue"), ("X371HK96", "ru")}
    assert len(samples) == 4 and all(s.corners is None and s.box is None for s in samples)
    with pytest.raises(PlatekitError, match=r"bad name!\.jpg"):
        read_crop_folder(str(tmp_path), skip_bad=False)


# --- Nomeroff ---------------------------------------------------------------------------------------------


def nomeroff_dir(root: Path, anns: dict[str, str]) -> Path:
    for stem, ann in anns.items():
        write_rgb(root / "img" / f"{stem}.png", np.full((30, 120, 3), 200, np.uint8))
        (root / "ann").mkdir(parents=True, exist_ok=True)
        (root / "ann" / f"{stem}.json").write_text(ann, encoding="utf-8")
    return root


def test_read_nomeroff(tmp_path: Path):
    root = nomeroff_dir(
        tmp_path / "nr" / "train",
        {
            "a": json.dumps({"description": "X371HK96", "count_lines": "1"}),
            "b": json.dumps({"description": "0038SC", "count_lines": 2, "name": "b"}),
            "c": json.dumps({"description": "AA0013BM"}),  # no count_lines: one row
        },
    )
    samples = read_nomeroff(str(tmp_path / "nr"))  # parent of train/: subsets found
    assert [(s.text, s.lines, s.format) for s in samples] == [
        ("X371HK96", 1, "ru"), ("0038SC", 2, "us"), ("AA0013BM", 1, "eu-hr-rs")
    ]  # no Russian type: the first Latin format their shapes fit (guess_format: cn, ru, then latin)
    assert samples[0].image_path == str(root / "img" / "a.png")
    assert detect_kind(str(tmp_path / "nr")) == "nomeroff"


@pytest.mark.parametrize(
    "ann, match",
    [
        ('{"description": "X371HK96",\n "count_lines": }', r"bad\.json:2: invalid JSON"),
        ('{"count_lines": 1}', r"bad\.json:1: missing string field 'description'"),
        ('{"description": "A1", "count_lines": "two"}', r"bad\.json:1: 'count_lines'"),
    ],
)
def test_nomeroff_broken_annotation_is_an_error(tmp_path: Path, ann, match):
    nomeroff_dir(tmp_path, {"good": '{"description": "X371HK96"}', "bad": ann})
    with pytest.raises(PlatekitError, match=match):
        read_nomeroff(str(tmp_path))
    skipped: list[str] = []
    with pytest.warns(DataWarning, match="skipped 1 of 2 annotations"):
        samples = read_nomeroff(str(tmp_path), skip_bad=True, skipped=skipped)
    assert [s.text for s in samples] == ["X371HK96"] and "bad.json" in skipped[0]


def test_nomeroff_missing_image(tmp_path: Path):
    nomeroff_dir(tmp_path, {"a": '{"description": "X371HK96"}'})
    (tmp_path / "img" / "a.png").unlink()
    with pytest.raises(PlatekitError, match=r"a\.json: no image a\.\*"):
        read_nomeroff(str(tmp_path))


@needs_data
def test_real_nomeroff_sample():
    samples = load_plates(str(DATA / "nomeroff_ocr_example"))
    assert {s.text for s in samples} == {"X371HK96", "2914KC7", "0038SC", "AA0013BM"}
    two_row = [s for s in samples if s.lines == 2]
    assert [s.text for s in two_row] == ["0038SC"]
    assert all(Path(s.image_path).is_file() for s in samples)


# --- CSV ---------------------------------------------------------------------------------------------------


def test_read_csv_relative_paths_and_format(tmp_path: Path):
    write_rgb(tmp_path / "crops" / "1.png", np.zeros((24, 94, 3), np.uint8))
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text(
        "\ufeffimage_path,plate_text,format\ncrops/1.png,皖a 12345,\ncrops/2.png,X371HK96,ru\n\n/abs/3.png,ABC,eu\n",
        encoding="utf-8",
    )
    samples = read_csv(str(csv_path))
    assert [(s.text, s.format) for s in samples] == [("皖A12345", "cn-blue"), ("X371HK96", "ru"), ("ABC", "eu")]
    assert samples[0].image_path == str(tmp_path / "crops" / "1.png")
    assert samples[2].image_path == "/abs/3.png"
    assert detect_kind(str(csv_path)) == "csv" and detect_kind(str(tmp_path)) == "csv"


def test_csv_missing_column(tmp_path: Path):
    p = tmp_path / "l.csv"
    p.write_text("image_path,text\na.png,X371HK96\n")
    with pytest.raises(PlatekitError, match=r"l\.csv:1: missing column 'plate_text'"):
        read_csv(str(p))


def test_csv_short_row(tmp_path: Path):
    p = tmp_path / "l.csv"
    p.write_text("image_path,plate_text\na.png,X371HK96\nb.png\nc.png,\n")
    with pytest.raises(PlatekitError, match=r"l\.csv:3: 1 columns"):
        read_csv(str(p))
    skipped: list[str] = []
    with pytest.warns(DataWarning, match="skipped 2 of 3 rows"):
        samples = read_csv(str(p), skip_bad=True, skipped=skipped)
    assert [s.text for s in samples] == ["X371HK96"] and ":4: empty" in skipped[1]


# --- detection JSONL ------------------------------------------------------------------------------------------


def test_read_detection_jsonl(tmp_path: Path):
    p = tmp_path / "labels.jsonl"
    lines = [
        {"image": "train/1.jpg", "width": 640, "height": 480, "boxes": [[10, 20, 110, 60]]},
        {"image": "val/2.jpg", "width": 320, "height": 240, "boxes": []},
        {"image": "3.jpg", "width": 100, "height": 100, "boxes": [[1, 2, 30, 12]],
         "corners": [[[1, 2], [30, 3], [30, 12], [1, 11]]]},
    ]
    p.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")
    det = read_detection_jsonl(str(p))
    assert len(det) == 3 and det[0].image_path == str(tmp_path / "train" / "1.jpg")
    assert det[0].boxes == ((10.0, 20.0, 110.0, 60.0),) and det[0].corners is None
    assert det[1].boxes == () and det[2].corners == (((1, 2), (30, 3), (30, 12), (1, 11)),)
    assert detect_kind(str(tmp_path)) == "detection-jsonl"
    with pytest.raises(PlatekitError, match="no plate text"):
        load_plates(str(p))
    st = detection_stats(det, str(p), "detection-jsonl")
    assert st["boxes"] == 2 and st["boxes_per_image"] == {"0": 1, "1": 2}
    assert st["subsets"] == {".": 1, "train": 1, "val": 1}


@pytest.mark.parametrize(
    "bad, match",
    [
        ('{"image": "a.jpg", "width": 10, "height": 10, "boxes": [[1,2,3,4]]', "invalid JSON"),
        ('{"image": "a.jpg", "width": 10, "height": 10}', "missing key 'boxes'"),
        ('{"image": "a.jpg", "width": 10, "height": 10, "boxes": [[1,2,3]]}', "not 4 numbers"),
        ('{"image": "a.jpg", "width": 10, "height": 10, "boxes": [[5,5,3,9]]}', "empty box"),
        ('{"image": "a.jpg", "width": "ten", "height": 10, "boxes": []}', "width/height must be integers"),
        ('[1, 2]', "expected a JSON object"),
    ],
)
def test_jsonl_bad_line_names_file_and_line(tmp_path: Path, bad, match):
    p = tmp_path / "d.jsonl"
    p.write_text('{"image": "ok.jpg", "width": 10, "height": 10, "boxes": []}\n' + bad + "\n")
    with pytest.raises(PlatekitError, match=rf"d\.jsonl:2: .*{match}"):
        read_detection_jsonl(str(p))
    with pytest.warns(DataWarning, match="skipped 1 of 2 lines"):
        assert len(read_detection_jsonl(str(p), skip_bad=True)) == 1


# --- auto-detection, errors, stats ----------------------------------------------------------------------------


def test_auto_detect_and_user_errors(ccpd_dir: Path, tmp_path: Path):
    assert detect_kind(str(ccpd_dir)) == "ccpd"
    with pytest.warns(DataWarning):
        assert len(load_plates(str(ccpd_dir))) == 2
    with pytest.warns(DataWarning):
        assert len(load_detections(str(ccpd_dir))) == 2
    crops = tmp_path / "crops"
    write_rgb(crops / "皖A12345.jpg", np.zeros((24, 94, 3), np.uint8))
    assert detect_kind(str(crops)) == "crops"
    with pytest.raises(PlatekitError, match="no boxes|has no plate boxes"):
        load_detections(str(crops))
    with pytest.raises(PlatekitError, match="no such file"):
        load_plates(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(PlatekitError, match="no images"):
        load_plates(str(tmp_path / "empty"))
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(PlatekitError, match="unknown dataset file type"):
        load_plates(str(tmp_path / "x.txt"))
    with pytest.raises(PlatekitError, match="unknown dataset kind"):
        load_plates(str(crops), kind="voc")


def test_plate_stats(ccpd_dir: Path):
    with pytest.warns(DataWarning):
        samples = read_ccpd(str(ccpd_dir))
    st = plate_stats(samples, "p", "ccpd")
    assert st["count"] == 2 and st["formats"] == {"cn-blue": 1, "cn-green": 1}
    assert st["positions"][0] == {"皖": 2} and st["positions"][7] == {"6": 1}
    assert st["lengths"] == {"7": 1, "8": 1} and st["image_sizes"]["most_common"] == [["240x320", 2]]
    assert st["split"]["train"] + st["split"]["val"] == 2 and st["plate_boxes"]["count"] == 2


@needs_data
def test_real_ccpd_and_detection_sets():
    samples = read_ccpd(str(DATA / "ccpd2019_base"))
    assert len(samples) == 1724
    train, val = split_by_text(samples, 0.2)
    assert (len(train), len(val)) == (1382, 342)  # the project-wide split
    det = load_detections(str(DATA / "openlpr_detection"))
    assert len(det) == 952 and sum(len(d.boxes) for d in det) == 959
    crop = load_plate_crop(samples[0], (94, 24))
    assert crop.shape == (24, 94, 3)


def test_write_csv_round_trips_through_read_csv(tmp_path):
    from platekit.data.readers import write_csv
    from platekit.errors import PlatekitError

    p = write_csv(str(tmp_path / "labels.csv"), [("a.png", "皖A12345", "cn-blue"), ("b.png", "X371HK96", "ru")],
                  with_format=True)
    got = read_csv(p)
    assert [(Path(s.image_path).name, s.text, s.format) for s in got] == [
        ("a.png", "皖A12345", "cn-blue"), ("b.png", "X371HK96", "ru")]
    with pytest.raises(PlatekitError, match="a row has 3 fields, the header 2"):
        write_csv(str(tmp_path / "bad.csv"), [("a.png", "AB123", "x")])
