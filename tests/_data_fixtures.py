"""Shared fixtures of the data tests: a CCPD-named scene with a two-colour plate quad."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

DATA = Path(__file__).parents[1].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not (DATA / "ccpd2019_base").is_dir(), reason=f"real data not present at {DATA}")

# 皖AY339S, the README's example indices
IDX = "0_0_22_27_27_33_16"


def ccpd_name(corners, idx=IDX) -> str:
    """CCPD file name for corners lt, rt, rb, lb (the name stores rb, lb, lt, rt)."""
    c = np.asarray(corners, int)
    (x1, y1), (x2, y2) = c.min(0), c.max(0)
    lt, rt, rb, lb = c
    pts = "_".join(f"{x}&{y}" for x, y in (rb, lb, lt, rt))
    return f"10-90_90-{x1}&{y1}_{x2}&{y2}-{pts}-{idx}-100-10.jpg"


QUAD = [[60, 100], [180, 110], [182, 150], [58, 140]]  # lt, rt, rb, lb


def scene(corners=QUAD, w=240, h=320) -> np.ndarray:
    """Black scene, plate quad red on its left half and blue on its right half (RGB)."""
    img = np.zeros((h, w, 3), np.uint8)
    lt, rt, rb, lb = np.asarray(corners, np.float32)
    mt, mb = (lt + rt) / 2, (lb + rb) / 2
    cv2.fillConvexPoly(img, np.stack([lt, mt, mb, lb]).astype(np.int32), (255, 0, 0))
    cv2.fillConvexPoly(img, np.stack([mt, rt, rb, mb]).astype(np.int32), (0, 0, 255))
    return img


def write_rgb(path: Path, img: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(path.suffix, cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 98])
    assert ok
    path.write_bytes(buf.tobytes())
