"""data.lowres_aug: LPRNet-style low-resolution training crops (issue 14)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from platekit.synth.generator import PlateSynth
from platekit.train import rec_data as rd


def _plate(seed: int = 0) -> np.ndarray:
    img, _ = PlateSynth(formats=("cn-blue",), size=(144, 48)).render_plate("皖A12345", "cn-blue",
                                                                           np.random.default_rng(seed), pad=0.1)
    return cv2.resize(img, (144, 48), interpolation=cv2.INTER_AREA)


def _hf(img: np.ndarray) -> float:
    """High-frequency energy: mean squared Laplacian of the grey image."""
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float((cv2.Laplacian(g, cv2.CV_32F) ** 2).mean())


def test_lowres_keeps_shape_dtype_and_removes_detail():
    img = _plate()
    rng = np.random.default_rng(0)
    for _ in range(20):
        out = rd.lowres(img, rng)
        assert out.shape == img.shape and out.dtype == np.uint8
        assert _hf(out) < 0.8 * _hf(img)
    # a fine checkerboard (detail above 94x24) is nearly flattened
    board = np.kron((np.indices((24, 72)).sum(0) % 2) * 255, np.ones((2, 2)))[..., None].repeat(3, 2).astype(np.uint8)
    assert _hf(rd.lowres(board, np.random.default_rng(1))) < 0.2 * _hf(board)


def test_loosen_quad_only_grows():
    q = np.array([[10, 20], [110, 20], [110, 50], [10, 50]], np.float32)
    rng = np.random.default_rng(0)
    for _ in range(50):
        lq = rd.loosen_quad(q, rng)
        assert lq[0, 0] <= 10 and lq[0, 1] <= 20 and lq[2, 0] >= 110 and lq[2, 1] >= 50
        assert lq[2, 0] - lq[0, 0] <= 100 * 1.24 + 1e-3 and lq[2, 1] - lq[0, 1] <= 30 * 1.7 + 1e-3
    out = rd.loosen_crop(_plate(), rng)
    assert out.shape == (48, 144, 3) and out.dtype == np.uint8


def _stream(lowres_p: float | None, ratio: float = 0.5):
    gen = PlateSynth(formats=("cn-blue",), size=(144, 48))
    rng = np.random.default_rng(3)
    imgs, texts = zip(*[gen.sample(rng)[:2] for _ in range(8)], strict=True)
    synth = rd.SynthPool(np.stack(imgs), list(texts))
    ctx = np.stack([cv2.resize(i, (270, 120)) for i in imgs])
    q = np.tile(np.array([[50, 40], [220, 40], [220, 80], [50, 80]], np.float32), (8, 1, 1))
    pool = rd.RealPool(ctx, q, list(texts), np.full(8, 0.05))
    kw = {} if lowres_p is None else {"lowres_p": lowres_p}
    s = rd.make_train_stream(pool, synth, ratio, (144, 48), 0.6, 24, 5, **kw)
    return [(x.numpy(), t) for x, t in s]


def test_lowres_zero_leaves_the_stream_unchanged():
    pytest.importorskip("torch")
    a, b = _stream(None), _stream(0.0)
    assert [t for _, t in a] == [t for _, t in b]
    assert all(np.array_equal(x, y) for (x, _), (y, _) in zip(a, b, strict=True))


def test_lowres_one_changes_every_crop_and_keeps_the_format():
    pytest.importorskip("torch")
    a, b = _stream(0.0), _stream(1.0)
    assert [t for _, t in a] != [t for _, t in b] or any(not np.array_equal(x, y) for (x, _), (y, _) in zip(a, b, strict=True))
    assert all(x.shape == (48, 144, 3) and x.dtype == np.uint8 for x, _ in b)
