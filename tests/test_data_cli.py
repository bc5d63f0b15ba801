"""``platekit data stats`` / ``platekit data show`` on generated fixtures (and the real CCPD set when present)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from _data_fixtures import DATA, QUAD, ccpd_name, scene, write_rgb  # noqa: E402,F401

from platekit.cli.main import main
from platekit.errors import PlatekitError


def _font_or_skip() -> str:
    from platekit.core.fonts import find_font

    try:
        return find_font("cjk")
    except PlatekitError as e:
        pytest.skip(str(e))


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out = capsys.readouterr()
    return e.value.code or 0, out.out, out.err


@pytest.fixture
def ccpd_dir(tmp_path: Path) -> Path:
    root = tmp_path / "ccpd"
    write_rgb(root / ccpd_name(QUAD), scene())  # 皖AY339S
    write_rgb(root / ccpd_name(QUAD, "12_1_3_24_24_29_30_30"), scene())  # 京BD00566 (green)
    write_rgb(root / "broken-name.jpg", scene())
    return root


def test_stats_text_and_warning(capsys, ccpd_dir: Path):
    code, out, err = run(capsys, "data", "stats", str(ccpd_dir))
    assert code == 0
    assert "(ccpd)" in out and "plates          2" in out
    assert "cn-blue 1 (50.0%), cn-green 1 (50.0%)" in out or "cn-green 1 (50.0%), cn-blue 1 (50.0%)" in out
    assert "0: 皖:1 京:1" in out or "0: 京:1 皖:1" in out
    assert "240x320 (2)" in out
    assert err.count("platekit: warning:") == 1 and "broken-name.jpg" in err


def test_stats_json(capsys, ccpd_dir: Path):
    code, out, _ = run(capsys, "data", "stats", str(ccpd_dir), "--json")
    st = json.loads(out)
    assert code == 0 and st["kind"] == "ccpd" and st["count"] == 2 and st["skipped"] == 1
    assert st["positions"][0] == {"皖": 1, "京": 1} and st["lengths"] == {"7": 1, "8": 1}


def test_stats_detection_jsonl(capsys, tmp_path: Path):
    p = tmp_path / "labels.jsonl"
    p.write_text(json.dumps({"image": "a.jpg", "width": 640, "height": 480, "boxes": [[0, 0, 64, 20]]}) + "\n")
    code, out, _ = run(capsys, "data", "stats", str(p), "--json")
    st = json.loads(out)
    assert code == 0 and st["kind"] == "detection-jsonl" and st["boxes"] == 1
    assert st["box_width_over_image_width"]["median"] == 0.1


def test_stats_user_errors(capsys, tmp_path: Path):
    code, _, err = run(capsys, "data", "stats", str(tmp_path / "nope"))
    assert code == 2 and err.strip() == f"platekit: error: {tmp_path / 'nope'}: no such file or directory"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    code, _, err = run(capsys, "data", "stats", str(bad))
    assert code == 2 and "bad.jsonl:1: invalid JSON" in err and "Traceback" not in err


def test_show_draws_sheet_with_cjk_labels(capsys, ccpd_dir: Path, tmp_path: Path):
    _font_or_skip()
    out_png = tmp_path / "sheet.png"
    code, out, _ = run(capsys, "data", "show", str(ccpd_dir), "--out", str(out_png), "--n", "2", "--cols", "2",
                       "--tile", "120")
    assert code == 0 and out_png.is_file() and "2 samples" in out
    img = cv2.cvtColor(cv2.imread(str(out_png)), cv2.COLOR_BGR2RGB)
    assert img.shape[1] == 2 * 120 + 3 * 4  # cols * tile + padding
    green = (img[..., 1] > 200) & (img[..., 0] < 60) & (img[..., 2] < 60)
    assert green.sum() > 50  # boxes drawn
    # the rectified plate strip under the first thumbnail (full tile width): red left half, blue right half;
    # the quad in the thumbnail itself is only ~60 px wide, so full-width red/blue rows come from the strip
    red = (img[..., 0] > 150) & (img[..., 2] < 90)
    blue = (img[..., 2] > 150) & (img[..., 0] < 90)
    red_rows = red[:, 4 + 6 : 4 + 54].all(1)
    blue_rows = blue[:, 4 + 66 : 4 + 114].all(1)
    assert red_rows.sum() >= 15 and (red_rows & blue_rows).sum() >= 15


def test_cjk_font_renders_distinct_glyphs():
    """Guards against tofu boxes: different Chinese characters must render to different, non-empty bitmaps."""
    from PIL import ImageFont

    font = ImageFont.truetype(_font_or_skip(), 24)
    masks = [np.asarray(font.getmask(c)) for c in "皖京沪"]
    assert all(m.size and m.max() > 0 for m in masks)
    assert not np.array_equal(masks[0], masks[1]) and not np.array_equal(masks[1], masks[2])


@pytest.mark.skipif(not (DATA / "ccpd2019_base").is_dir(), reason=f"real data not present at {DATA}")
def test_stats_real_ccpd(capsys):
    code, out, _ = run(capsys, "data", "stats", str(DATA / "ccpd2019_base"), "--json")
    st = json.loads(out)
    assert code == 0 and st["count"] == 1724 and st["split"] == {"val_fraction": 0.2, "train": 1382, "val": 342}
    assert st["image_sizes"]["most_common"] == [["720x1160", 1724]]


def test_show_detection_set_with_unreadable_image(capsys, tmp_path: Path):
    _font_or_skip()
    write_rgb(tmp_path / "a.jpg", scene())
    rows = [{"image": "a.jpg", "width": 240, "height": 320, "boxes": [[58, 100, 182, 150]]},
            {"image": "gone.jpg", "width": 240, "height": 320, "boxes": []}]
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    out_png = tmp_path / "det.png"
    code, out, _ = run(capsys, "data", "show", str(tmp_path), "--out", str(out_png), "--tile", "100")
    assert code == 0 and "2 samples" in out
    img = cv2.cvtColor(cv2.imread(str(out_png)), cv2.COLOR_BGR2RGB)
    green = (img[..., 1] > 200) & (img[..., 0] < 60) & (img[..., 2] < 60)
    assert green[:, :104].sum() > 50 and green[:, 104:].sum() == 0  # a box on the first tile only
