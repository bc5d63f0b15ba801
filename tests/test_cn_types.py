"""Chinese plate types (issue 14): data, texts, type reporting, drawing; the cn recognizer's alphabet unchanged."""

import numpy as np
import pytest

from platekit.core.formats import (
    CN_ALNUM,
    CN_PROVINCES,
    CN_SPECIAL,
    CN_TYPE_INFO,
    CN_TYPES,
    FORMATS,
    REGIONS,
    get_format,
    guess_format,
)
from platekit.synth import PlateSynth, random_text, synth_scene
from platekit.synth.generator import sample_rng
from platekit.synth.glyphs import font_styles, has_glyph
from platekit.synth.layouts import LAYOUTS, char_boxes

CN = tuple(f.name for f in CN_TYPES)
NEW = ("cn-green-large", "cn-yellow-2row", "cn-learner", "cn-trailer", "cn-police", "cn-embassy", "cn-consulate",
       "cn-hk", "cn-macau", "cn-emergency")
# 7-character texts of the blue alphabet are reported as cn-blue: the colour is not in the text
_REPORTED_AS = {"cn-yellow": "cn-blue", "cn-yellow-2row": "cn-blue"}


def test_cn_alphabet_keeps_the_old_class_ids():
    """The special types' characters are appended: a reader trained on the first 65 classes keeps its ids."""
    r = REGIONS["cn"]
    literal = "皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新" + "ABCDEFGHJKLMNPQRSTUVWXYZ" + "0123456789"
    assert r.alphabet == literal + "学挂警使领港澳应急" == CN_PROVINCES + CN_ALNUM + CN_SPECIAL
    assert r.n_slots == 8 and r.pad == "_"


def test_an_older_reader_reads_the_old_formats():
    """Region.for_alphabet: a 65-class cn reader gets the five types it can spell, the same prior as before."""
    old = REGIONS["cn"].for_alphabet(CN_PROVINCES + CN_ALNUM)
    assert [f.name for f in old.formats] == ["cn-blue", "cn-green", "cn-green-large", "cn-yellow", "cn-yellow-2row"]
    assert old.guess_format("京A1234学") is None and old.guess_type("京A1234学").name == "cn-learner"
    assert REGIONS["cn"].for_alphabet(REGIONS["cn"].alphabet) is REGIONS["cn"]


def test_reader_facing_formats_use_only_the_alphabet():
    r = REGIONS["cn"]
    assert [f.name for f in r.formats] == [f.name for f in CN_TYPES] and r.formats[0].name == "cn-blue"
    assert dict(r.prior_shares) == {"cn-embassy": 0.001}  # the one type whose few strings would claim readings
    for f, pat in r.slot_patterns():
        assert set(f.alphabet()) <= set(r.alphabet) and len(pat) == r.n_slots
    assert set(r.types) == set(CN_TYPES) and set(NEW) <= set(CN) and set(CN) <= set(FORMATS)
    assert set(CN) == set(CN_TYPE_INFO) and set(CN) <= set(LAYOUTS)


@pytest.mark.parametrize("text,fmt", [("皖AD12345", "cn-green"), ("皖AF05568", "cn-green"), ("粤BDA1234", "cn-green"),
                                      ("皖A12345D", "cn-green-large"), ("皖A05568F", "cn-green-large"),
                                      ("皖A12345", "cn-blue"), ("京A1234学", "cn-learner"), ("京A12B4挂", "cn-trailer"),
                                      ("苏A1234警", "cn-police"), ("使224001", "cn-embassy"), ("224001使", "cn-embassy"),
                                      ("沪A1234领", "cn-consulate"), ("粤Z1234港", "cn-hk"), ("粤ZF023澳", "cn-macau"),
                                      ("京A1234应急", "cn-emergency"), ("粤Z·1234港", "cn-hk")])
def test_guess_type(text, fmt):
    assert guess_format(text).name == fmt
    assert REGIONS["cn"].guess_type(text).name == fmt


def test_green_rule_ga36():
    green, large = get_format("cn-green"), get_format("cn-green-large")
    for bad in ("皖A123456", "皖AA12345", "皖AD1234A", "皖A1234DF", "皖A12345A"):
        assert not green.validate(bad) and not large.validate(bad), bad
        assert guess_format(bad) is None or guess_format(bad).region != "cn"
    # a reader with the full alphabet reports the special types as formats too
    assert REGIONS["cn"].guess_format("京A1234学").name == "cn-learner"
    assert REGIONS["cn"].guess_format("皖AD12345").name == "cn-green"


def test_reader_reports_every_cn_type():
    from platekit.inference.reader import _plate_type

    assert _plate_type("京A1234学", "cn") == "cn-learner" and _plate_type("皖A12345D", "cn") == "cn-green-large"
    assert _plate_type("粤Z1234澳", None) == "cn-macau"


@pytest.mark.parametrize("fmt", CN)
def test_random_texts_validate_and_report_their_type(fmt):
    rng = np.random.default_rng(0)
    f = get_format(fmt)
    texts = [random_text(fmt, rng) for _ in range(60)]
    for t in texts:
        assert f.validate(t), t
        assert guess_format(t).name == _REPORTED_AS.get(fmt, fmt), t
    if f.digit_share is not None and f.digit_share >= 0.7:  # serials mostly digits
        serial = "".join(t[2:6] for t in texts) if fmt != "cn-green" else "".join(t[3] for t in texts)
        assert sum(c.isdigit() for c in serial) / len(serial) > 0.55
    if fmt == "cn-green":
        assert {t[2] for t in texts} == {"D", "F"}


@pytest.mark.parametrize("fmt", CN)
def test_cn_types_render(fmt):
    img, text, f = PlateSynth([fmt], size=(144, 48), seed=1).sample_at(0)
    assert f == fmt and get_format(fmt).validate(text)
    assert img.shape == (48, 144, 3) and img.dtype == np.uint8 and img.std() > 5


@pytest.mark.parametrize("fmt", CN)
def test_cn_layouts_fit(fmt):
    lay, info = LAYOUTS[fmt], CN_TYPE_INFO[fmt]
    assert tuple(lay.size_mm) == tuple(info.size_mm)
    W, H = lay.size_mm
    for n in get_format(fmt).lengths:
        boxes = char_boxes(fmt, n)
        assert len(boxes) == n
        for x, y, w, h in boxes:
            assert 0 <= x and x + w <= W and 0 <= y and y + h <= H
    special = {c for c in get_format(fmt).alphabet() if c not in CN_PROVINCES + CN_ALNUM}
    for style in font_styles("cjk"):
        assert all(has_glyph(style, c) for c in special)


def test_two_row_yellow_plate_shape():
    s = PlateSynth("cn-yellow-2row")
    img, corners = s.render_plate("皖A12345", "cn-yellow-2row", np.random.default_rng(0), px_per_mm=0.5, vary=0.0)
    (x0, y0), (x1, y1) = corners[0].astype(int), corners[2].astype(int)
    assert abs((x1 - x0) / (y1 - y0) - 440 / 220) < 0.05
    plate = img[y0:y1, x0:x1].astype(np.float32)
    top, bottom = plate[: plate.shape[0] * 2 // 5], plate[plate.shape[0] * 2 // 5 :]
    dark = lambda a: (a.mean(2) < 80).mean()  # noqa: E731
    assert dark(top) > 0.03 and dark(bottom) > dark(top)  # the small top row, the big bottom row
    crop, text, _ = PlateSynth("cn-yellow-2row", size=(144, 48), seed=0).sample_at(0)
    assert crop.shape == (48, 144, 3) and len(text) == 7


@pytest.mark.parametrize("fmt,char", [("cn-police", "警"), ("cn-embassy", "使"), ("cn-emergency", "应")])
def test_red_special_characters(fmt, char):
    text = {"cn-police": "苏A1234警", "cn-embassy": "使224001", "cn-emergency": "京A1234应急"}[fmt]
    s = PlateSynth(fmt)
    img, corners = s.render_plate(text, fmt, np.random.default_rng(0), px_per_mm=1.0, vary=0.0)
    x, y, w, h = char_boxes(fmt, len(text))[text.index(char)]
    ox, oy = corners[0].astype(int)
    box = img[oy + int(y) : oy + int(y + h), ox + int(x) : ox + int(x + w)].astype(np.int32)
    red = (box[..., 0] > 150) & (box[..., 1] < 90) & (box[..., 2] < 90)
    assert red.mean() > 0.05


def test_scene_with_cn_types():
    img, plates = synth_scene(sample_rng(0, 2), None, n_plates=3, size=(320, 240),
                              formats=("cn-yellow-2row", "cn-hk", "cn-emergency"))
    assert img.shape == (240, 320, 3) and plates
    for text, fmt, _, _ in plates:
        assert get_format(fmt).validate(text)


def test_ccpd_format_is_the_type():
    from platekit.core.ccpd import CCPDRecord

    rec = lambda t: CCPDRecord("x", 1.0, (0, 0), (0, 0, 1, 1), ((0, 0),) * 4, (), t, 0, 0)  # noqa: E731
    assert [rec(t).format for t in ("皖A12345", "皖AD11166", "皖A12345D", "皖A123456")] == [
        "cn-blue", "cn-green", "cn-green-large", "cn-green"]


def test_an_older_readers_probs_decode_with_its_own_alphabet():
    """65-class probs (blank, alphabet, OOV = 67 columns) through the narrowed region: the OOV column reads "?",
    never 学 (the full alphabet's 66th character), and the prior only proposes texts that alphabet can spell."""
    from platekit.core.ctc_decode import ctc_decode_constrained, ctc_decode_prior

    old = REGIONS["cn"].for_alphabet(CN_PROVINCES + CN_ALNUM)
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.full(67, 0.05), size=(16, 36)).astype(np.float32)
    p[0, 5] = 0.0
    p[0, 5, 66] = 1.0  # an OOV frame
    texts, _, _ = ctc_decode_prior(p, old, 1.0)
    assert "?" in texts[0] and all("学" not in t for t in texts)
    assert all(set(t) <= set(old.alphabet) for t in ctc_decode_constrained(p, old)[0])


def test_an_older_cn_reader_file_decodes_with_its_own_alphabet(tmp_path):
    """The production path narrows the region to the sidecar's alphabet (reverting that would index 学 into an older
    reader's OOV column), and the narrowed prior is exactly the one without shares (the embassy is not among its
    formats). An older reader: a tiny crnn_ctc of the first 65 characters (rec_cn v7 and before), exported."""
    import dataclasses

    from platekit.core.ctc_decode import _prior_tables
    from platekit.export.onnx import export_recognizer
    from platekit.inference.recognizer import OnnxRecognizer
    from platekit.models.registry import create_model

    old = create_model("crnn_ctc", region="cn", input_size=(32, 96), widths=(8, 16, 16, 16), hidden=8, frame_stride=4,
                       alphabet=CN_PROVINCES + CN_ALNUM).eval()
    path = tmp_path / "old_cn.onnx"
    export_recognizer(old, {"region": "cn", "crop_margin": 0.05}, path)
    rec = OnnxRecognizer(path)
    assert rec._region.alphabet == rec.meta["alphabet"] == CN_PROVINCES + CN_ALNUM
    assert [f.name for f in rec._region.formats] == ["cn-blue", "cn-green", "cn-green-large", "cn-yellow", "cn-yellow-2row"]
    crops = np.random.default_rng(0).integers(0, 256, (4, 32, 96, 3), dtype=np.uint8)
    assert all(set(r.text) <= set(CN_PROVINCES + CN_ALNUM + "?") for r in rec.read(list(crops)))
    c = len(rec._region.alphabet) + 2
    a, b = _prior_tables(rec._region, c), _prior_tables(dataclasses.replace(rec._region, prior_shares=()), c)
    assert a.keys() == b.keys()
    for n in a:
        np.testing.assert_array_equal(a[n][0], b[n][0])
        np.testing.assert_allclose(a[n][1], b[n][1])
        np.testing.assert_allclose(a[n][2:], b[n][2:])


def test_the_embassy_share_keeps_its_few_strings_from_claiming_a_reading():
    """At share 1 the embassy layout (six digits and 使: 10^6 strings) outweighs a blue plate's string ~1.7 x 10^4
    times and turns a flat-pictured blue reading into an embassy one; at its share 0.001 the blue reading wins."""
    import dataclasses

    from platekit.core.ctc_decode import ctc_decode_prior
    from platekit.core.tokenizer import CTCTokenizer

    r = REGIONS["cn"]
    c = CTCTokenizer.for_region(r).num_classes
    ids = [r.alphabet.index(ch) + 1 for ch in "皖A11345"]
    path = [0]
    for i in ids:
        path += [i, 0]
    p = np.full((len(path), c), 0.1 / (c - 1))
    p[np.arange(len(path)), path] = 0.9
    one = r.alphabet.index("1") + 1
    for t, right in ((1, ids[0]), (3, ids[1])):  # the province and the letter both look like "1"
        p[t] = 0.0
        p[t, one], p[t, right] = 0.9, 0.1
    flat = dataclasses.replace(r, prior_shares=())
    assert ctc_decode_prior(p[None], flat, 1.0)[2] == ["cn-embassy"]
    assert ctc_decode_prior(p[None], r, 1.0)[0] == ["皖A11345"]
