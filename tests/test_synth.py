import csv
import json
import os

import cv2
import numpy as np
import pytest

from platekit.core.formats import CN_LETTERS, CN_PROVINCES, FORMATS
from platekit.core.image import load_image
from platekit.errors import PlatekitError
from platekit.synth import PlateSynth, random_text, synth_scene, write_dataset
from platekit.synth.generator import sample_rng
from platekit.synth.scene import real_background, real_background_boxes, write_scenes

ALL = tuple(FORMATS)


@pytest.mark.parametrize("fmt", ALL)
def test_samples_validate_and_have_size(fmt):
    s = PlateSynth(fmt, size=(100, 32), difficulty=1.0, seed=1)
    for _ in range(30):
        img, text, f = s.sample()
        assert f == fmt
        assert FORMATS[fmt].validate(text), text
        assert img.shape == (32, 100, 3) and img.dtype == np.uint8


def test_texts_cover_every_province_and_letter_uniformly():
    rng = np.random.default_rng(0)
    texts = [random_text("cn-blue", rng) for _ in range(6000)]
    first = {t[0] for t in texts}
    assert first == set(CN_PROVINCES)
    assert {t[1] for t in texts} == set(CN_LETTERS)
    counts = np.array([sum(t[0] == p for t in texts) for p in CN_PROVINCES])
    assert counts.min() > 0.5 * counts.mean()  # no 95%-皖 skew
    ru = [random_text("ru", rng) for _ in range(400)]
    assert {len(t) for t in ru} == {8, 9}


def test_deterministic_for_a_seed_and_different_across_seeds():
    a = PlateSynth(ALL, seed=5, difficulty=0.8)
    b = PlateSynth(ALL, seed=5, difficulty=0.8)
    c = PlateSynth(ALL, seed=6, difficulty=0.8)
    for _ in range(5):
        (ia, ta, fa), (ib, tb, fb), (ic, tc, _) = a.sample(), b.sample(), c.sample()
        assert ta == tb and fa == fb and np.array_equal(ia, ib)
    assert not np.array_equal(ia, ic) or ta != tc


def test_difficulty_zero_is_sharper_than_one():
    import cv2

    def sharpness(d):
        s = PlateSynth("cn-blue", seed=0, difficulty=d)
        grey = [cv2.cvtColor(s.sample_at(i)[0], cv2.COLOR_RGB2GRAY) for i in range(20)]
        return float(np.median([cv2.Laplacian(g, cv2.CV_32F).var() for g in grey]))

    assert sharpness(0.0) > 2 * sharpness(1.0)


def test_render_plate_corners_and_text_contrast():
    s = PlateSynth("cn-blue")
    img, corners = s.render_plate("粤B12345", "cn-blue", np.random.default_rng(0), px_per_mm=0.5, pad=0.1)
    assert corners.shape == (4, 2)
    lt, rt, rb, lb = corners
    assert lt[0] < rt[0] and lt[1] < lb[1] and rb[0] == rt[0] and rb[1] == lb[1]
    assert abs((rt[0] - lt[0]) / (lb[1] - lt[1]) - 440 / 140) < 0.05
    x0, y0, x1, y1 = int(lt[0]), int(lt[1]), int(rb[0]), int(rb[1])
    plate = img[y0:y1, x0:x1].astype(np.float32)
    blue = plate[..., 2] - plate[..., 0]
    assert np.median(blue) > 60  # mostly blue plate
    assert (plate.min(2) > 180).mean() > 0.1  # white characters present
    with pytest.raises(PlatekitError):
        s.render_plate("粤I12345", "cn-blue", np.random.default_rng(0))


def test_bad_arguments():
    with pytest.raises(PlatekitError, match="unknown plate format"):
        PlateSynth("cn-red")
    with pytest.raises(PlatekitError, match="difficulty"):
        PlateSynth(difficulty=2)


def test_write_dataset_decodes_and_matches_stream(tmp_path):
    torch = pytest.importorskip("torch")
    from platekit.train.synth_dataset import SynthPlateDataset

    csv_path = write_dataset(str(tmp_path), ("cn-blue", "ru"), n=12, seed=3, size=(96, 32), difficulty=0.7)
    with open(csv_path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r.keys() for r in rows][0] == {"image_path", "plate_text", "format"}
    assert len(rows) == 12
    files = []
    for r in rows:
        assert FORMATS[r["format"]].validate(r["plate_text"])
        img = load_image(os.path.join(tmp_path, r["image_path"]))
        assert img.shape == (32, 96, 3)
        files.append((img, r["plate_text"]))
    ds = SynthPlateDataset(("cn-blue", "ru"), n=12, size=(96, 32), difficulty=0.7, seed=3)
    streamed = list(ds)
    assert len(streamed) == 12
    for (fi, ft), (si, st) in zip(files, streamed, strict=True):
        assert ft == st and np.array_equal(fi, si)
    # two DataLoader workers split the indices and together yield the same set
    dl = torch.utils.data.DataLoader(SynthPlateDataset(("cn-blue", "ru"), n=12, size=(96, 32), difficulty=0.7,
                                                       seed=3, as_tensor=True), batch_size=None, num_workers=2)
    got = sorted(t for _, t in dl)
    assert got == sorted(t for _, t in files)


def test_scene_corners_inside_and_boxes_consistent():
    rng = sample_rng(0, 0)
    img, plates = synth_scene(rng, None, n_plates=3, size=(320, 240), formats=("cn-blue", "ru"))
    assert img.shape == (240, 320, 3)
    assert 1 <= len(plates) <= 3
    for text, fmt, corners, box in plates:
        assert FORMATS[fmt].validate(text)
        c = np.asarray(corners)
        assert c.shape == (4, 2)
        assert c[:, 0].min() >= -1 and c[:, 0].max() <= 321 and c[:, 1].min() >= -1 and c[:, 1].max() <= 241
        assert c[1, 0] > c[0, 0] and c[3, 1] > c[0, 1]  # lt, rt, rb, lb order
        x1, y1, x2, y2 = box
        assert x1 < x2 and y1 < y2


def test_scene_plate_width_range():
    # --plate-width: far plates (a few % of the scene width); the default range is unchanged
    for i in range(5):
        _, plates = synth_scene(sample_rng(3, i), None, n_plates=2, size=(640, 480), formats=("us", "eu-de"),
                                plate_width=(0.03, 0.06))
        for _text, _fmt, corners, _box in plates:
            c = np.asarray(corners)
            w = np.hypot(*(c[1] - c[0]))
            assert 0.6 * 0.03 * 640 < w < 1.5 * 0.06 * 640, w


def test_scene_pixels_under_corners_look_like_a_plate():
    # the quad must be where the plate is: blue inside, not outside-biased
    rng = sample_rng(1, 0)
    img, plates = synth_scene(rng, np.full((240, 320, 3), 128, np.uint8), n_plates=1, size=(320, 240),
                              difficulty=0.0)
    from platekit.core.geometry import rectify

    crop = rectify(img, plates[0][2], (88, 28)).astype(np.float32)
    assert np.median(crop[..., 2] - crop[..., 0]) > 40


def test_real_background_boxes_maps_the_boxes_of_its_crop():
    # the same rng gives the same crop as real_background, and a box inside it is mapped onto the scene
    img = np.zeros((200, 500, 3), np.uint8)  # not the scene's aspect: x and y scale differently
    img[60:100, 150:250] = 255  # a bright "plate" (blurred, but its centre stays bright)
    boxes = [(150.0, 60.0, 250.0, 100.0)]
    a = real_background(320, 240, sample_rng(5, 0), img, boxes)
    b, inside = real_background_boxes(320, 240, sample_rng(5, 0), img, boxes)
    assert np.array_equal(a, b)
    for i in range(20):
        scene, inside = real_background_boxes(320, 240, sample_rng(6, i), img, boxes)
        for x1, y1, x2, y2 in inside:
            assert 0 <= x1 < x2 <= 320 and 0 <= y1 < y2 <= 240
            assert scene[int((y1 + y2) / 2), int((x1 + x2) / 2)].min() > 200  # the mapped box is on the plate
    assert any(real_background_boxes(320, 240, sample_rng(6, i), img, boxes)[1] for i in range(20))


def test_real_background_boxes_crop_tries_find_a_box():
    # a small box in a corner: one crop draw often misses it; with tries the crop (or the whole image) holds it
    img = np.zeros((300, 400, 3), np.uint8)
    boxes = [(5.0, 5.0, 45.0, 20.0)]
    one = sum(bool(real_background_boxes(320, 240, sample_rng(8, i), img, boxes)[1]) for i in range(20))
    tries = [real_background_boxes(320, 240, sample_rng(8, i), img, boxes, tries=3)[1] for i in range(20)]
    assert one < 20 and all(tries)


def test_scene_on_plates_puts_each_plate_where_a_real_one_was():
    img = np.full((480, 640, 3), 90, np.uint8)
    boxes = [(100.0, 300.0, 200.0, 330.0), (400.0, 320.0, 520.0, 350.0)]
    seen = 0
    for i in range(10):
        rng = sample_rng(7, i)
        _, slots = real_background_boxes(640, 480, sample_rng(7, i), img, boxes)
        _, plates = synth_scene(rng, img, size=(640, 480), formats=("us", "eu-de"), bg_boxes=boxes, on_plates=True)
        if not slots:  # no real box in the crop: placed anywhere, as without on_plates
            assert 1 <= len(plates) <= 3
            continue
        assert len(plates) == len(slots)
        for _text, _fmt, corners, _box in plates:
            c = np.asarray(corners).mean(0)
            d = [np.hypot(c[0] - (x1 + x2) / 2, c[1] - (y1 + y2) / 2) / (x2 - x1) for x1, y1, x2, y2 in slots]
            assert min(d) < 0.1, d  # centred on one of the real plates (mapped into the scene)
            seen += 1
    assert seen >= 5


def test_write_scenes_on_plates_needs_boxes(tmp_path):
    (tmp_path / "bg").mkdir()
    cv2.imwrite(str(tmp_path / "bg" / "a.jpg"), np.zeros((60, 80, 3), np.uint8))
    with pytest.raises(PlatekitError, match="--on-plates needs"):
        write_scenes(str(tmp_path / "out"), n=1, backgrounds=str(tmp_path / "bg"), on_plates=True)


def test_cli_writes_crops_and_scenes(tmp_path):
    from typer.testing import CliRunner

    from platekit.cli.main import app

    r = CliRunner().invoke(app, ["synth", "--type", "cn-green", "--n", "5", "--out", str(tmp_path / "c"),
                                 "--size", "94x24", "--seed", "1"])
    assert r.exit_code == 0, r.output
    assert load_image(str(tmp_path / "c" / "images" / "0000004.png"), min_size=8).shape == (24, 94, 3)
    r = CliRunner().invoke(app, ["synth", "--type", "ru", "--n", "2", "--out", str(tmp_path / "b"), "--size", "520x112",
                                 "--binarize", "1", "--crop-jitter", "0.04"])  # the issue-regime look of real crops
    assert r.exit_code == 0, r.output
    img = load_image(str(tmp_path / "b" / "images" / "0000001.png"), min_size=8)
    assert img.shape == (112, 520, 3) and (img[..., 0] == img[..., 2]).all()  # black and white (grey)
    r = CliRunner().invoke(app, ["synth", "--scene", "--binarize", "0.5", "--n", "1", "--out", str(tmp_path / "x")])
    assert r.exit_code != 0 and "not to --scene" in str(r.exception)  # the entry point prints it, exit 1
    r = CliRunner().invoke(app, ["synth", "--scene", "--n", "3", "--out", str(tmp_path / "s"), "--size", "320x240",
                                 "--format", "cn-blue"])  # --format: the old name of --type still works
    assert r.exit_code == 0, r.output
    recs = [json.loads(line) for line in open(tmp_path / "s" / "labels.jsonl", encoding="utf-8")]
    assert len(recs) == 3
    for rec in recs:
        assert set(rec) >= {"image", "width", "height", "boxes", "corners", "texts"}
        assert len(rec["boxes"]) == len(rec["corners"]) == len(rec["texts"]) >= 1
        assert load_image(str(tmp_path / "s" / rec["image"])).shape == (240, 320, 3)


def test_bbox_share_cuts_loose_unrectified_crops_and_zero_changes_nothing():
    def blue_share(img):  # how much of the crop is plate (blue); a box around a tilted plate holds more background
        x = img.astype(int)
        return ((x[..., 2] > x[..., 0] + 40) & (x[..., 2] > x[..., 1] + 20)).mean()

    rect, box = PlateSynth("cn-blue", seed=3), PlateSynth("cn-blue", seed=3, bbox_share=1.0)
    default = PlateSynth("cn-blue", seed=3, bbox_share=0.0)
    pairs = [(rect.sample_at(i), box.sample_at(i)) for i in range(40)]
    assert all(r[1] == b[1] for r, b in pairs)  # same texts: only the cut differs
    assert np.mean([blue_share(b[0]) for _, b in pairs]) < np.mean([blue_share(r[0]) for r, _ in pairs]) - 0.03
    assert all(np.array_equal(default.sample_at(i)[0], rect.sample_at(i)[0]) for i in range(3))
    with pytest.raises(PlatekitError, match="bbox_share"):
        PlateSynth("cn-blue", bbox_share=1.5)


def test_noto_bold_province_style_is_the_simplified_chinese_face_and_heavier():
    from platekit.synth.glyphs import _RENDER_PX, font_path, font_styles, raw_glyph

    if "cjk-bold" not in font_styles("cjk"):
        pytest.skip("Noto Sans CJK Bold not installed (Debian fonts-noto-cjk; .ci/run installs it)")
    assert font_path("cjk-bold").endswith("NotoSansCJK-Bold.ttc")
    ink = {k: raw_glyph(k, "皖").mean() for k in ("cjk", "cjk-bold")}
    assert ink["cjk-bold"] > 1.15 * ink["cjk"], ink
    # 骨 differs between the Japanese (face 0) and Simplified Chinese (face 2) forms: the SC face is used
    from PIL import Image, ImageDraw, ImageFont

    def draw(index):
        img = Image.new("L", (2 * _RENDER_PX, 2 * _RENDER_PX), 0)
        font = ImageFont.truetype(font_path("cjk-bold"), _RENDER_PX, index=index)
        ImageDraw.Draw(img).text((_RENDER_PX // 2, _RENDER_PX // 4), "骨", fill=255, font=font)
        a = np.asarray(img, np.float32) / 255
        ys, xs = np.nonzero(a > 0.05)
        return a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]

    sc, jp = draw(2), draw(0)
    ours = raw_glyph("cjk-bold", "骨")
    assert ours.shape == sc.shape and np.allclose(ours, sc, atol=0.02) and not (jp.shape == sc.shape and np.allclose(jp, sc))


@pytest.mark.parametrize("style", ["latin", "din", "narrow"])
def test_hand_drawn_plate_glyphs_have_their_plate_font_shapes(style):
    from platekit.synth.glyphs import font_styles, glyph_mask

    if style not in font_styles("latin"):
        pytest.skip(f"glyph style {style} not installed (.ci/run installs its Debian font)")
    w, h = 30, 60
    m = glyph_mask(style, "Mz", w, h) > 0.5
    assert m[-3:, :4].any() and m[-3:, -4:].any()  # both stems reach the bottom
    assert not m[int(0.75 * h) :, w // 2 - 2 : w // 2 + 2].any()  # the V stops well above it
    assert m[int(0.5 * h), w // 2 - 2 : w // 2 + 2].any()  # ... but below the middle
    z = glyph_mask(style, "0z", w, h) > 0.5
    col = z[:, w // 2 - 1]  # the middle column crosses the ring twice: ink, counter, ink
    assert col[:4].any() and col[-4:].any() and not col[h // 3 : 2 * h // 3].any()
    q = glyph_mask(style, "Qz", w, h) > 0.5  # the same ring plus a tail across its bottom, right of centre
    extra = q & ~z
    assert extra.sum() > 5 and not (z & ~q).any() and extra.nonzero()[0].min() > 0.5 * h
    assert extra.nonzero()[1].mean() > w / 2
    g = glyph_mask(style, "Gz", w, h) > 0.5  # the ring opened on the upper right, a bar at mid-height
    assert not g[int(0.3 * h) : int(0.45 * h), -3:].any() and z[int(0.3 * h) : int(0.45 * h), -3:].any()
    assert g[h // 2 + 1, w // 2 : -3].all()
    t = glyph_mask(style, "3z", w, h) > 0.5
    ink_x = t[:3].any(0).nonzero()[0]
    assert ink_x.max() - ink_x.min() > 0.6 * np.ptp(t.any(0).nonzero()[0])  # flat top bar


@pytest.mark.parametrize("style", ["latin", "narrow"])
def test_russian_plate_font_flagged_one_and_narrow_zero_round_o(style):
    from platekit.synth.glyphs import font_styles, glyph_mask
    from platekit.synth.layouts import LAYOUTS
    from platekit.synth.render import PLATE_GLYPHS

    if style not in font_styles("latin"):
        pytest.skip(f"glyph style {style} not installed")
    assert PLATE_GLYPHS["ru"]["1"][0][0] == "1f" and PLATE_GLYPHS["ru"]["O"][0][0] == "Oz"  # (glyph, share) options
    w, h = 52, 76
    one = glyph_mask(style, "1f", w, h) > 0.5
    bottom = one[-4:].any(0).nonzero()[0]
    top = one[: h // 3].any(0).nonzero()[0]
    assert np.ptp(bottom) < 0.3 * w  # no foot: the bottom is the stem alone
    assert top.min() < bottom.min() - 0.25 * w  # the flag reaches out to the left at the top
    assert not one[int(0.55 * h) :, : bottom.min() - 2].any()  # nothing left of the stem below the flag
    # in their plate boxes (digits 52 x 76 mm, letters 50 x 58 mm) the digit 0 is narrow, the letter O round
    box_d, box_l = LAYOUTS["ru"].boxes[1], LAYOUTS["ru"].boxes[0]
    zero = glyph_mask(style, "0z", int(box_d[2]), int(box_d[3])) > 0.5
    oh = glyph_mask(style, "Oz", int(box_l[2]), int(box_l[3])) > 0.5

    def aspect(m):
        ys, xs = m.nonzero()
        return (np.ptp(xs) + 1) / (np.ptp(ys) + 1)

    assert aspect(zero) < 0.75 < aspect(oh)


@pytest.mark.parametrize("fmt", [f for f in ALL if f.startswith("ru")])
def test_russian_types_render_their_region_field(fmt):
    from platekit.synth.layouts import LAYOUTS, char_boxes

    lay = LAYOUTS[fmt]
    assert lay.region_field is not None
    for n in FORMATS[fmt].lengths:  # 2- and 3-digit region codes both fit the field
        boxes = char_boxes(fmt, n)
        assert len(boxes) == n and all(x + w <= lay.size_mm[0] and y + h <= lay.size_mm[1] for x, y, w, h in boxes)
    img, corners = PlateSynth(fmt, seed=0).render_plate(random_text(fmt, np.random.default_rng(0)), fmt,
                                                        np.random.default_rng(1), px_per_mm=1.0)
    assert img.shape[:2] == (lay.size_mm[1], lay.size_mm[0])


def test_binarized_crops_are_black_and_white_and_looks_off_change_nothing():
    s = PlateSynth("ru", size=(160, 48), difficulty=0.5, seed=2, binarize=1.0)
    img, text, _ = s.sample_at(0)
    assert (img[..., 0] == img[..., 1]).all() and (img[..., 1] == img[..., 2]).all()  # grey
    hist = np.bincount(img[..., 0].ravel(), minlength=256)
    assert hist[:40].sum() + hist[215:].sum() > 0.6 * img[..., 0].size  # mostly black or white (JPEG aside)
    a = PlateSynth("ru", seed=4, difficulty=0.7)
    b = PlateSynth("ru", seed=4, difficulty=0.7, binarize=0.0, crop_jitter=0.0)
    assert all(np.array_equal(a.sample_at(i)[0], b.sample_at(i)[0]) for i in range(3))
    with pytest.raises(PlatekitError):
        PlateSynth("ru", binarize=1.5)


def test_every_latin_style_draws_russian_plates_cyrillic_or_not():
    from platekit.synth.glyphs import font_styles, has_glyph
    from platekit.synth.render import draw_plate

    assert has_glyph("latin", "\u0423") and has_glyph("latin", "1f")
    rng = np.random.default_rng(0)
    for _ in range(3 * len(font_styles("latin"))):  # styles without "У" (OpenDIN) draw the Latin Y
        plate, _ = draw_plate("Y111YY199", "ru", 0.5, rng)
        assert plate.shape == (56, 260, 3)


def test_generator_version_keys_on_the_format_rules(tmp_path, monkeypatch):
    # a changed format rule (e.g. the letters a country issues) must not train from a stale cached pool
    from platekit.core import formats
    from platekit.synth.generator import generator_version

    v0 = generator_version.__wrapped__()  # (the cached wrapper keys once per process)
    changed = tmp_path / "formats.py"
    changed.write_text(open(formats.__file__, encoding="utf-8").read() + "\n# a changed rule\n", encoding="utf-8")
    monkeypatch.setattr(formats, "__file__", str(changed))
    assert generator_version.__wrapped__() != v0


@pytest.mark.parametrize("bad", ["0.001,0.2", "0.3,0.2", "0.1", "a,b", "0.1,1.0"])
def test_synth_plate_width_rejects_bad_ranges(tmp_path, bad):
    # a range outside 1-99 % of the scene width (sub-pixel plates) or not MIN,MAX: a clear message, exit 2
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "platekit.cli.main", "synth", "--scene", "--n", "1", "--out",
                          str(tmp_path / "s"), "--plate-width", bad], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "--plate-width" in out.stderr and "Traceback" not in out.stderr


def test_russian_texts_end_with_real_region_codes():
    from platekit.core.formats import RU_REGION_CODES, get_format
    from platekit.synth.generator import random_text

    rng = np.random.default_rng(0)
    for fmt in ("ru", "ru-taxi", "ru-moto"):
        texts = [random_text(fmt, rng) for _ in range(600)]
        assert all(get_format(fmt).validate(t) for t in texts)
        real = np.mean([t[-3:] in RU_REGION_CODES or t[-2:] in RU_REGION_CODES for t in texts])
        assert real >= 0.7  # 70 % drawn from the list, plus uniform codes that happen to be real
        long = np.mean([len(t) == get_format(fmt).max_len for t in texts])
        assert 0.3 < long < 0.7  # 2- and 3-digit regions both common
    assert "777" in RU_REGION_CODES and "77" in RU_REGION_CODES and len(set(RU_REGION_CODES)) == len(RU_REGION_CODES)


def test_gost_face_draws_every_russian_symbol_with_its_plate_shapes():
    from platekit.core.formats import REGIONS
    from platekit.synth.glyphs import glyph_mask, has_glyph
    from platekit.synth.gost import GLYPHS

    assert set(REGIONS["ru"].alphabet) <= set(GLYPHS)  # every digit and letter a Russian plate can carry
    assert has_glyph("gost", "\u0423") and not has_glyph("gost", "Q") and not has_glyph("gost", "1f")
    w, h = 52, 76  # the digit box (mm at 1 px/mm)
    one = glyph_mask("gost", "1", w, h) > 0.5
    bottom = one[-4:].any(0).nonzero()[0]
    assert np.ptp(bottom) < 0.3 * w and one[: h // 3].any(0).nonzero()[0].min() < bottom.min() - 0.25 * w  # flag, no foot
    three = glyph_mask("gost", "3", w, h) > 0.5
    top = three[:4].any(0).nonzero()[0]
    assert np.ptp(top) > 0.5 * w  # flat top bar
    four = glyph_mask("gost", "4", w, h) > 0.5
    assert four[h // 4, : w // 2].any()  # closed: the diagonal crosses the upper left quarter
    zero = glyph_mask("gost", "0", w, h) > 0.5
    oh = glyph_mask("gost", "O", 50, 58) > 0.5  # the letter box
    ys, xs = zero.nonzero()
    yo, xo = oh.nonzero()
    assert (np.ptp(xs) + 1) / (np.ptp(ys) + 1) < 0.75 < (np.ptp(xo) + 1) / (np.ptp(yo) + 1)
    # the counters (holes) of each glyph, in its own box at 2 px/mm: 4 is closed, 8 and B have two
    import cv2

    holes = {"0": 1, "4": 1, "6": 1, "8": 2, "9": 1, "A": 1, "B": 2, "O": 1, "P": 1}
    for ch in GLYPHS:
        bw, bh = (104, 152) if ch.isdigit() else (100, 116)
        bg = (glyph_mask("gost", ch, bw, bh) < 0.5).astype(np.uint8)
        n, lab = cv2.connectedComponents(np.pad(bg, 1, constant_values=1))
        assert n - 2 == holes.get(ch, 0), ch  # components: the outside, the ink (label 0), the holes


def test_russian_plates_use_the_gost_face_and_other_families_draw_as_before(monkeypatch):
    from platekit.synth import render

    rng = np.random.default_rng(0)
    base = [render.draw_plate(t, f, 1.0, np.random.default_rng(i))[0]
            for i, (t, f) in enumerate([("皖A12345", "cn-blue"), ("X371HK96", "ru")])]
    monkeypatch.setitem(render.PLATE_FACES, "ru", ("gost", 1.0))
    seen = []
    real_mask = render.glyph_mask
    monkeypatch.setattr(render, "glyph_mask", lambda kind, *a, **k: seen.append(kind) or real_mask(kind, *a, **k))
    cn = render.draw_plate("皖A12345", "cn-blue", 1.0, np.random.default_rng(0))[0]
    assert np.array_equal(cn, base[0]) and "gost" not in seen  # the face is per family: Chinese plates unchanged
    seen.clear()
    ru = render.draw_plate("X371HK96", "ru", 1.0, rng)[0]
    assert seen[:8] == ["gost"] * 8 and not np.array_equal(ru, base[1])  # every character of the text in the face
    monkeypatch.setitem(render.PLATE_FACES, "ru", ("gost", 0.0))
    seen.clear()
    render.draw_plate("X371HK96", "ru", 1.0, np.random.default_rng(5))
    assert "gost" not in seen[:8]
