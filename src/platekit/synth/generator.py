"""Synthetic plate crops as a recognizer sees them, and the dataset writer.

A sample = random valid text (uniform per position; mostly digits in the serials of Chinese special types) -> flat plate from cached glyph masks -> plate on
car-like surroundings -> canvas effects -> a random view (rotation/perspective) -> the corners a
detector would return (true corners + noise) -> ``rectify`` with ``crop_margin`` at a random
effective resolution -> camera effects -> JPEG -> resize to ``size``.
Sample ``i`` of a seed is a pure function of ``(seed, i)``, so files and streams agree.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import os
from collections.abc import Iterator, Sequence

import cv2
import numpy as np

from platekit.core.formats import FORMATS, get_format, row_layouts
from platekit.core.geometry import expand_corners, stitch_rows, stitch_source_size
from platekit.errors import PlatekitError
from platekit.synth.effects import binarize, camera, jpeg, lighting
from platekit.synth.layouts import plate_size_mm
from platekit.synth.render import compose, draw_plate

# Where CCPD's labelled corners lie relative to the plate edge (left, top, right, bottom, in plate
# widths/heights), measured by matching mean synthetic and real crops (docs/synth.md).
CCPD_LABEL_EXPAND = (-0.01, 0.04, 0.02, 0.04)

__all__ = ["PlateSynth", "random_text", "write_dataset", "sample_rng"]


@functools.cache
def generator_version() -> str:
    """Digest of the generator's source, the plate formats it draws texts from (core/formats.py) and the
    installed glyph styles: caches of generated crops key on it, so a changed glyph, effect or format
    rule never trains from a stale pool (core/geometry.py: the expand / stitch of the crops)."""
    from platekit.core import formats, geometry
    from platekit.synth.glyphs import font_styles

    h = hashlib.sha1(repr((font_styles("latin"), font_styles("cjk"))).encode())
    for path in [formats.__file__, geometry.__file__, *sorted(glob.glob(os.path.join(os.path.dirname(__file__), "*.py")))]:
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:12]


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """The generator for sample ``index`` of ``seed`` (independent of every other sample)."""
    return np.random.default_rng([int(seed), int(index)])


def random_text(fmt: str, rng: np.random.Generator) -> str:
    """Uniform over the format's patterns and over each position's characters; a format with a
    ``digit_share`` (Chinese special types, green) draws a digit with that probability at positions
    that allow letters and digits (real serials are mostly digits), else a letter; a format with
    ``tail_codes`` ends with one of them on ``tail_share`` of its texts (Russian region codes)."""
    f = get_format(fmt)
    if f.tail_codes and rng.random() < f.tail_share:  # a real ending (Russian region code), half of them 3-digit
        long = rng.random() < 0.5
        codes = [c for c in f.tail_codes if (len(c) == 3) == long]
        code = codes[int(rng.integers(len(codes)))]
        pats = [p for p in f.patterns if len(p) > len(code)
                and all(c in a for c, a in zip(code, p[-len(code):], strict=True))]  # the patterns it can end
        pat = pats[int(rng.integers(len(pats)))][: -len(code)]
        return "".join(allowed[int(rng.integers(len(allowed)))] for allowed in pat) + code
    pat = f.patterns[int(rng.integers(len(f.patterns)))]
    if f.digit_share is None:  # every format before issue 14: the same texts for the same rng
        return "".join(allowed[int(rng.integers(len(allowed)))] for allowed in pat)
    out = []
    for allowed in pat:
        digits = "".join(c for c in allowed if c in "0123456789")
        if digits and len(digits) < len(allowed):
            allowed = digits if rng.random() < f.digit_share else "".join(c for c in allowed if c not in digits)
        out.append(allowed[int(rng.integers(len(allowed)))])
    return "".join(out)


def view_homography(corners: np.ndarray, rng: np.random.Generator, d: float) -> np.ndarray:
    """A random rotation + perspective of the canvas around the plate centre. [3, 3] float64."""
    c = corners.mean(0)
    w = float(np.linalg.norm(corners[1] - corners[0]))
    ang = np.deg2rad(rng.normal(0, 4 + 8 * d))
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    dst = (corners - c) @ rot.T
    dst = dst * (1 + rng.normal(0, 0.05 + 0.1 * d, (4, 2)) * [0.3, 0.6])  # perspective-ish corner moves
    dst = dst * [1.0, rng.uniform(0.9, 1.1)] + c + rng.normal(0, 0.01 * w, 2)
    return cv2.getPerspectiveTransform(corners.astype(np.float32), dst.astype(np.float32)).astype(np.float64)


def detector_jitter(corners: np.ndarray, rng: np.random.Generator, d: float) -> np.ndarray:
    """Corners as an imperfect detector returns them: shift, scale, tilt and per-corner noise."""
    lt, rt, rb, lb = corners
    w = float(np.linalg.norm(rt - lt) + np.linalg.norm(rb - lb)) / 2
    h = float(np.linalg.norm(lb - lt) + np.linalg.norm(rb - rt)) / 2
    s = 0.3 + 0.7 * d
    c = corners.mean(0)
    ang = np.deg2rad(rng.normal(0, 1.2 * s))
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    scale = np.array([1 + rng.normal(0, 0.02 * s), 1 + rng.normal(0, 0.05 * s)])
    out = ((corners - c) * scale) @ rot.T + c + rng.normal(0, s, 2) * [0.015 * w, 0.04 * h]
    out = out + rng.normal(0, s, (4, 2)) * [0.01 * w, 0.03 * h]
    return out.astype(np.float32)


def expand_sides(corners: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Move each side of a lt,rt,rb,lb quad outwards by e = (left, top, right, bottom) fractions."""
    lt, rt, rb, lb = corners.astype(np.float32)
    right = ((rt - lt) + (rb - lb)) / 2
    down = ((lb - lt) + (rb - rt)) / 2
    el, et, er, eb = (float(v) for v in e)
    return np.stack([lt - el * right - et * down, rt + er * right - et * down,
                     rb + er * right + eb * down, lb - el * right + eb * down]).astype(np.float32)


def _perspective(pts: np.ndarray, m: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(pts.reshape(-1, 1, 2).astype(np.float64), m).reshape(-1, 2)


class PlateSynth:
    """Endless, seeded synthetic plate crops (RGB uint8 [H, W, 3], text, format)."""

    def __init__(self, formats: Sequence[str] | str = ("cn-blue",), size: tuple[int, int] = (144, 48),
                 difficulty: float = 0.5, seed: int = 0, weights: Sequence[float] | None = None,
                 crop_margin: float = 0.06,
                 label_expand: tuple[float, float, float, float] | None = None,
                 bbox_share: float = 0.0, binarize: float = 0.0, crop_jitter: float = 0.0,
                 stitch_rows: bool = True, plate_faces: bool = True):
        if isinstance(formats, str):
            formats = tuple(f.strip() for f in formats.split(",") if f.strip())
        unknown = [f for f in formats if f not in FORMATS]
        if unknown or not formats:
            raise PlatekitError(f"unknown plate format {unknown or formats!r}; known: {', '.join(FORMATS)}")
        if not 0 <= difficulty <= 1:
            raise PlatekitError(f"difficulty must be in 0..1, got {difficulty}")
        w, h = int(size[0]), int(size[1])
        if w < 16 or h < 8:
            raise PlatekitError(f"size {w}x{h} is too small (minimum 16x8)")
        self.formats = tuple(formats)
        self.size = (w, h)
        self.difficulty = float(difficulty)
        self.seed = int(seed)
        self.crop_margin = float(crop_margin)
        # how far outside the plate edge the labelled/detected corners lie (left, top, right, bottom,
        # fractions of the plate width/height); default: calibrated on CCPD (see docs/synth.md)
        self.label_expand = tuple(float(v) for v in (CCPD_LABEL_EXPAND if label_expand is None else label_expand))
        p = np.ones(len(self.formats)) if weights is None else np.asarray(weights, np.float64)
        if p.shape != (len(self.formats),) or (p < 0).any() or p.sum() <= 0:
            raise PlatekitError(f"weights must be {len(self.formats)} non-negative numbers")
        self.weights = p / p.sum()
        if not 0 <= bbox_share <= 1:
            raise PlatekitError(f"bbox_share must be in 0..1, got {bbox_share}")
        # share of crops cut as a box-only detector gives them: the axis-aligned box of the seen
        # plate, not rectified (tilted plates stay tilted, with background in the corners)
        self.bbox_share = float(bbox_share)
        if not 0 <= binarize <= 1 or not 0 <= crop_jitter <= 0.5:
            raise PlatekitError(f"binarize must be in 0..1 and crop_jitter in 0..0.5, got {binarize}, {crop_jitter}")
        self.binarize = float(binarize)  # share of crops thresholded to black and white (older pipelines)
        # per-side random change of the crop's extent (fraction of the plate width / height): loose and
        # tight crops, down to cutting into the frame
        self.crop_jitter = float(crop_jitter)
        # multi-row types a one-line reader reads stitched (core.formats.row_layouts): their crop is made at the
        # plate's own aspect (core.geometry.stitch_source_size) and its rows are put side by side, as the Reader
        # does; stitch_rows=False gives the plate squeezed into ``size`` instead
        self.row_layouts = {lay.name: lay for lay in row_layouts("cn")} if stitch_rows else {}
        # False: no plate face (render.PLATE_FACES; the GOST stroke face of Russian plates), installed fonts only
        self.plate_faces = bool(plate_faces)
        self._index = 0

    # -- plates -----------------------------------------------------------------------------
    def px_per_mm(self, fmt: str) -> float:
        """Render scale: the plate drawn at ~1.5x its width in the output crop (then filtered)."""
        lay = self.row_layouts.get(fmt)
        out_w = stitch_source_size(self.size, lay.aspect)[0] if lay else self.size[0]
        plate_w_out = out_w / (1 + 2 * self.crop_margin)
        return 1.5 * plate_w_out / plate_size_mm(fmt)[0]

    def render_plate(self, text: str, fmt: str, rng: np.random.Generator, px_per_mm: float | None = None,
                     pad: float = 0.0, vary: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Clean flat plate (RGB uint8) and its 4 corners lt,rt,rb,lb; ``pad`` adds surroundings
        (fraction of the plate width on every side)."""
        if not get_format(fmt).validate(text):
            raise PlatekitError(f"{text!r} is not a valid {fmt} plate text")
        k = px_per_mm or self.px_per_mm(fmt)
        plate = draw_plate(text, fmt, k, rng, vary, faces=self.plate_faces)
        W = plate[0].shape[1]
        return compose(plate, (int(round(pad * W)), int(round(pad * W * 0.6))), rng)

    # -- samples ----------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator | None = None) -> tuple[np.ndarray, str, str]:
        """One crop. Without ``rng`` the instance's own counter advances (sample i of ``seed``)."""
        if rng is None:
            rng = sample_rng(self.seed, self._index)
            self._index += 1
        d = self.difficulty
        fmt = self.formats[int(rng.choice(len(self.formats), p=self.weights))]
        text = random_text(fmt, rng)
        canvas, corners = self.render_plate(text, fmt, rng, pad=0.15)
        H = view_homography(corners, rng, d)
        seen = _perspective(corners, H).astype(np.float32)
        if any(self.label_expand):
            seen = expand_sides(seen, np.asarray(self.label_expand) * rng.uniform(0.5, 1.5))
        if self.crop_jitter:
            seen = expand_sides(seen, rng.uniform(-self.crop_jitter, self.crop_jitter, 4) * [1, 2, 1, 2])
        det = detector_jitter(seen, rng, d)
        # effective resolution: low-res cameras / far plates, down to ~94x24 (LPRNet test crops)
        lay = self.row_layouts.get(fmt)
        W_out, H_out = stitch_source_size(self.size, lay.aspect) if lay else self.size
        lo = max(0.4, 1 - 0.7 * d)
        s = rng.uniform(lo, 1.0) if rng.random() < 0.7 else 1.0
        ws, hs = max(16, int(round(W_out * s * rng.uniform(0.9, 1.1)))), max(8, int(round(H_out * s)))
        ws, hs = min(ws, W_out), min(hs, H_out)
        if self.bbox_share > 0 and rng.random() < self.bbox_share:
            (x1, y1), (x2, y2) = det.min(0), det.max(0)
            det = np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], np.float32)
        src = expand_corners(det, self.crop_margin, 2 * self.crop_margin)
        dst = np.array([[0, 0], [ws - 1, 0], [ws - 1, hs - 1], [0, hs - 1]], np.float32)
        m = cv2.getPerspectiveTransform(src.astype(np.float32), dst) @ H
        ratio = canvas.shape[1] / (1.5 * ws * 1.25)  # canvas px per output px (approx.)
        if ratio > 1:  # prefilter against aliasing
            canvas = cv2.GaussianBlur(canvas, (0, 0), 0.45 * ratio)
        crop = cv2.warpPerspective(canvas, m, (ws, hs), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        crop = camera(lighting(crop.astype(np.float32), rng, d), rng, d)
        crop = np.clip(crop, 0, 255).astype(np.uint8)
        if self.binarize and rng.random() < self.binarize:
            crop = binarize(crop, rng)
        if rng.random() < 0.3 + 0.6 * d:
            crop = jpeg(crop, int(rng.uniform(95 - 70 * d, 95)))
        if (ws, hs) != (W_out, H_out):
            crop = cv2.resize(crop, (W_out, H_out), interpolation=cv2.INTER_LINEAR)
        if lay:
            crop = stitch_rows(crop, lay.row_boxes, self.crop_margin, self.size)
        return np.ascontiguousarray(crop), text, fmt

    def sample_at(self, index: int) -> tuple[np.ndarray, str, str]:
        return self.sample(sample_rng(self.seed, index))

    def stream(self, n: int | None = None, start: int = 0, step: int = 1) -> Iterator[tuple[np.ndarray, str, str]]:
        """Samples start, start+step, ... (endless when ``n`` is None, else indices < start + n*step)."""
        i = start
        while n is None or i < start + n * step:
            yield self.sample_at(i)
            i += step

    def __iter__(self) -> Iterator[tuple[np.ndarray, str, str]]:
        return self.stream()


def _write_range(args) -> list[tuple[str, str, str]]:
    out_dir, formats, seed, size, difficulty, crop_margin, bbox_share, start, stop, ext, looks = args
    from platekit.core.image import imwrite_rgb

    cv2.setNumThreads(1)  # one process per core; OpenCV's own threads would oversubscribe
    synth = PlateSynth(formats, size, difficulty, seed, crop_margin=crop_margin, bbox_share=bbox_share, **looks)
    rows = []
    for i in range(start, stop):
        img, text, fmt = synth.sample_at(i)
        rel = f"images/{i:07d}.{ext}"
        imwrite_rgb(os.path.join(out_dir, rel), img)
        rows.append((rel, text, fmt))
    return rows


def write_dataset(out_dir: str, formats: Sequence[str] | str = ("cn-blue",), n: int = 1000, seed: int = 0,
                  size: tuple[int, int] = (144, 48), difficulty: float = 0.5, crop_margin: float = 0.06,
                  workers: int = 1, ext: str = "png", bbox_share: float = 0.0, binarize: float = 0.0,
                  crop_jitter: float = 0.0, label_expand: tuple[float, float, float, float] | None = None,
                  stitch_rows: bool = True) -> str:
    """Write ``n`` crops as ``out_dir/images/NNNNNNN.<ext>`` plus ``out_dir/labels.csv``
    (image_path,plate_text,format; paths relative to the CSV). Returns the CSV path. ``stitch_rows``: two-row
    types with their rows side by side, as the Reader gives them to a one-line reader (False: squeezed)."""
    looks = {"binarize": binarize, "crop_jitter": crop_jitter, "label_expand": label_expand, "stitch_rows": stitch_rows}
    PlateSynth(formats, size, difficulty, seed, crop_margin=crop_margin, bbox_share=bbox_share, **looks)  # validate
    if n < 1:
        raise PlatekitError("--n must be at least 1")
    if ext not in ("png", "jpg"):
        raise PlatekitError("image extension must be png or jpg")
    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    chunk = max(1, min(2000, -(-n // max(1, workers * 4))))
    jobs = [(out_dir, formats, seed, size, difficulty, crop_margin, bbox_share, s, min(n, s + chunk), ext, looks)
            for s in range(0, n, chunk)]
    if workers > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_write_range, jobs)
    else:
        parts = [_write_range(j) for j in jobs]
    from platekit.data.readers import write_csv

    return write_csv(os.path.join(out_dir, "labels.csv"), (row for rows in parts for row in rows), with_format=True)
