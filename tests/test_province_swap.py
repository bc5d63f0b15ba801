"""ProvinceSwap: the province glyph of a real plate is replaced, the label follows, nothing else moves."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from platekit.core.formats import get_format
from platekit.synth.generator import PlateSynth
from platekit.train import rec_data as rd


def _pool(texts: list[str], seed: int = 0) -> rd.RealPool:
    """A RealPool of flat synthetic plates standing in for real context crops (all 270x120)."""
    gen = PlateSynth(formats=("cn-blue",), size=(144, 48))
    rng = np.random.default_rng(seed)
    ctx, quads = [], []
    for t in texts:
        img, corners = gen.render_plate(t, "cn-blue", rng, pad=0.1)
        scale = np.array([270 / img.shape[1], 120 / img.shape[0]], np.float32)
        ctx.append(cv2.resize(img, (270, 120)))
        quads.append(np.asarray(corners, np.float32) * scale)
    q = np.stack(quads)
    return rd.RealPool(np.stack(ctx), q, list(texts), np.full(len(texts), 0.05), q.copy())


def test_swap_changes_the_province_and_only_its_cell():
    pool = _pool(["皖A12345", "苏B67890"])
    swap = rd.ProvinceSwap(pool, None)  # real donors only
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(20):
        out = swap(0, rng)
        assert out is not None
        img, text = out
        assert text[1:] == "A12345" and get_format("cn-blue").validate(text)
        seen.add(text[0])
        assert img.shape == pool.ctx[0].shape and img.dtype == np.uint8
        # outside the province cell (+ a few px of feathering) the crop is untouched
        h = cv2.getPerspectiveTransform(rd._UNIT, pool.plate_quads[0])
        u0, v0, u1, v1 = rd.PROVINCE_BOX
        cell = cv2.perspectiveTransform(np.array([[[u0, v0], [u1, v0], [u1, v1], [u0, v1]]], np.float32), h)[0]
        mask = np.zeros(img.shape[:2], np.uint8)
        cv2.fillConvexPoly(mask, np.round(cell).astype(np.int32), 1)
        near = cv2.dilate(mask, np.ones((9, 9), np.uint8)).astype(bool)
        assert np.array_equal(img[~near], pool.ctx[0][~near])
        if text[0] != "皖":  # a different glyph really was pasted
            assert np.abs(img[mask.astype(bool)].astype(int) - pool.ctx[0][mask.astype(bool)]).mean() > 5
    assert seen == {"皖", "苏"}


def test_donor_provinces_are_balanced_not_skewed():
    pool = _pool(["皖A12345"] * 30 + ["苏B67890"] * 2)
    swap = rd.ProvinceSwap(pool, None)
    rng = np.random.default_rng(1)
    firsts = [swap(int(rng.integers(32)), rng)[1][0] for _ in range(400)]
    share = firsts.count("苏") / len(firsts)
    assert 0.4 < share < 0.6  # per province, not per plate (the pool is 94 % 皖)


def test_synthetic_donors_cover_provinces_the_real_data_lacks():
    pool = _pool(["皖A12345", "皖B67890"])
    glyphs = rd.synth_province_glyphs("藏新", 2, seed=0)
    assert {g[2] for g in glyphs} == {"藏", "新"} and all(g[1].shape == (4, 2) for g in glyphs)
    swap = rd.ProvinceSwap(pool, glyphs, p_real=0.0)
    rng = np.random.default_rng(2)
    assert {swap(0, rng)[1][0] for _ in range(30)} == {"藏", "新"}


def test_plates_without_corners_or_of_other_lengths_are_left_alone():
    pool = _pool(["皖A12345", "皖A12345", "皖A12345"])
    pool.texts[1] = "皖AD12345"  # a green (8-char) plate: no blue layout
    pool.plate_quads[2] = np.nan  # no labelled corners (a crop dataset)
    swap = rd.ProvinceSwap(pool, None)
    rng = np.random.default_rng(3)
    assert swap(1, rng) is None and swap(2, rng) is None and swap(0, rng) is not None


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_stream_uses_the_swap_at_its_probability(p):
    pool = _pool(["皖A12345", "苏B67890"])
    swap = rd.ProvinceSwap(pool, rd.synth_province_glyphs("藏", 1, 0), p_real=0.0)
    stream = rd.make_train_stream(pool, None, 0.0, (144, 48), 0.0, 40, 0, swap=swap, swap_p=p)
    texts = [t for _, t in stream]
    n_swapped = sum(t[0] == "藏" for t in texts)
    assert (n_swapped == 0) if p == 0 else (n_swapped == len(texts))


def test_exposure_augmentation_makes_bright_glowing_and_dark_crops():
    from platekit.train.rec_data import photometric

    img = np.full((48, 144, 3), (20, 60, 160), np.uint8)  # blue plate
    img[12:36, 20:124:8] = 235  # white strokes
    base = [photometric(img, np.random.default_rng(k), 1.0) for k in range(400)]
    aug = [photometric(img, np.random.default_rng(k), 1.0, exposure=True) for k in range(400)]
    mean = lambda xs: np.array([x.mean() for x in xs])  # noqa: E731
    gap = lambda xs: np.array([x[12:36, 22:26].mean() for x in xs])  # noqa: E731  blue between two strokes
    assert (mean(aug) < 0.6 * img.mean()).sum() > (mean(base) < 0.6 * img.mean()).sum() + 10  # night crops
    assert (gap(aug) > 130).sum() > (gap(base) > 130).sum() + 10  # the background washed out by glow
    assert all(a.dtype == np.uint8 and a.shape == img.shape for a in aug)
