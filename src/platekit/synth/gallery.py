"""Gallery PNG: synthetic crops next to real CCPD crops at the same size (``docs/synth_gallery.png``).

    python -m platekit.synth.gallery --ccpd ../shared/data/ccpd2019_base --out docs/synth_gallery.png
    python -m platekit.synth.gallery --latin --out /tmp/latin_gallery.png   # the Latin formats, one row each
    python -m platekit.synth.gallery --cn --out /tmp/cn_types.png           # the Chinese plate types, one row each
"""

from __future__ import annotations

import argparse
import glob
import os

import cv2
import numpy as np

from platekit.core.ccpd import parse_ccpd_name
from platekit.core.geometry import rectify
from platekit.core.image import imwrite_rgb, load_image
from platekit.synth.generator import PlateSynth


def _label(img: np.ndarray, text: str) -> np.ndarray:
    bar = np.full((18, img.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, text, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([bar, img])


def build(ccpd_dir: str | None, size=(144, 48), cols: int = 4, rows: int = 4, margin: float = 0.06,
          difficulty: float = 0.5, seed: int = 0) -> np.ndarray:
    """Left block: real CCPD crops (rectified by their labelled corners with ``margin``); right block:
    synthetic cn-blue at the same size; bottom: synthetic green, yellow and Russian plates."""
    w, h = size
    n = cols * rows
    blocks = []
    if ccpd_dir:
        files = sorted(glob.glob(os.path.join(ccpd_dir, "*.jpg")))
        files = files[:: max(1, len(files) // n)][:n]
        real = [rectify(load_image(f), parse_ccpd_name(f).corners_array(), size, margin) for f in files]
        real += [np.zeros((h, w, 3), np.uint8)] * (n - len(real))
        grid = np.vstack([np.hstack(real[r * cols : (r + 1) * cols]) for r in range(rows)])
        blocks.append(_label(grid, f"real CCPD2019 crops ({w}x{h}, margin {margin})"))
    s = PlateSynth("cn-blue", size, difficulty, seed, crop_margin=margin)
    syn = [s.sample_at(i)[0] for i in range(n)]
    grid = np.vstack([np.hstack(syn[r * cols : (r + 1) * cols]) for r in range(rows)])
    blocks.append(_label(grid, f"synthetic cn-blue (difficulty {difficulty})"))
    sep = np.full((blocks[0].shape[0], 8, 3), 255, np.uint8)
    top = np.hstack([b if i == 0 else np.hstack([sep, b]) for i, b in enumerate(blocks)])
    others = []
    for fmt in ("cn-green", "cn-yellow", "ru"):
        s = PlateSynth(fmt, size, difficulty, seed + 1 + len(others), crop_margin=margin)
        others.append(np.hstack([s.sample_at(i)[0] for i in range(top.shape[1] // w)]))
    bottom = _label(np.vstack(others), "synthetic cn-green, cn-yellow, ru")
    bottom = np.hstack([bottom, np.full((bottom.shape[0], top.shape[1] - bottom.shape[1], 3), 255, np.uint8)])
    return np.vstack([top, np.full((8, top.shape[1], 3), 255, np.uint8), bottom])


def build_latin(size=(160, 48), cols: int = 6, difficulty: float = 0.3, seed: int = 0) -> np.ndarray:
    """One labelled row of synthetic crops per Latin format (``REGIONS["latin"]``)."""
    from platekit.core.formats import REGIONS

    rows = []
    for j, f in enumerate(REGIONS["latin"].formats):
        s = PlateSynth(f.name, size, difficulty, seed + j)
        samples = [s.sample_at(i) for i in range(cols)]
        rows.append(_label(np.hstack([img for img, _, _ in samples]),
                           f"{f.name}: " + "  ".join(text for _, text, _ in samples)))
    return np.vstack(rows)


def build_cn(size=(144, 48), cols: int = 6, difficulty: float = 0.3, seed: int = 0, flat: bool = True) -> np.ndarray:
    """One labelled row per Chinese plate type (``CN_TYPES``): ``flat`` clean plates first (colours and
    layout at a glance, two-row plates at their own aspect), then synthetic crops at ``size``."""
    from platekit.core.formats import CN_TYPES
    from platekit.synth.generator import random_text, sample_rng

    rows = []
    for j, f in enumerate(CN_TYPES):
        s = PlateSynth(f.name, size, difficulty, seed + j)
        samples = [s.sample_at(i) for i in range(cols)]
        row = np.hstack([img for img, _, _ in samples])
        if flat:
            rng = sample_rng(seed + j, 10_000)
            text = random_text(f.name, rng)
            plate, corners = s.render_plate(text, f.name, rng, px_per_mm=0.5, vary=0.0, pad=0.03)
            plate = cv2.resize(plate, (int(round(plate.shape[1] * size[1] / plate.shape[0])), size[1]))
            row = np.hstack([plate, np.full((size[1], 6, 3), 255, np.uint8), row])
        rows.append(_label(row, f"{f.name}: " + "  ".join(text for _, text, _ in samples)))
    width = max(r.shape[1] for r in rows)
    return np.vstack([np.hstack([r, np.full((r.shape[0], width - r.shape[1], 3), 255, np.uint8)]) for r in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ccpd", default=None, help="CCPD scene folder (real crops are read at runtime)")
    ap.add_argument("--out", default="docs/synth_gallery.png")
    ap.add_argument("--difficulty", type=float, default=0.5)
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--latin", action="store_true", help="a gallery of the Latin formats instead")
    ap.add_argument("--cn", action="store_true", help="a gallery of the Chinese plate types instead")
    a = ap.parse_args()
    if a.cn:
        img = build_cn(difficulty=a.difficulty)
    else:
        img = build_latin(difficulty=a.difficulty) if a.latin else build(a.ccpd, difficulty=a.difficulty)
    img = cv2.resize(img, None, fx=a.scale, fy=a.scale, interpolation=cv2.INTER_NEAREST)
    imwrite_rgb(a.out, img)
    print(f"wrote {a.out} ({img.shape[1]}x{img.shape[0]})")


if __name__ == "__main__":
    main()
