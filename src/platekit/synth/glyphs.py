"""Glyph masks: rendered once per (font, char) with Pillow, cached as numpy, stretched per box.

Pillow is used only here, to build the cache; plates are composed from these masks in numpy/OpenCV.
"""

from __future__ import annotations

import os
from functools import cache, lru_cache

import cv2
import numpy as np

from platekit.core.fonts import TTC_INDEX, find_font
from platekit.synth.gost import gost_glyph

_RENDER_PX = 96  # font size used to rasterise a glyph once
# Glyph horizontal scale is fixed per font so narrow glyphs ("1", "J") stay narrow; this reference
# glyph fills the character box width exactly, wider ones ("M", "W") are squeezed to fit.
_REF_GLYPH = "0"


# extra styles looked up next to the project's fonts (same Debian packages), used when present
_SIBLINGS = {"latin-regular": ("latin", "DejaVuSansCondensed.ttf"), "cjk-zen": ("cjk", "wqy-zenhei.ttc")}
# Latin glyph styles: font diversity helps a recognizer read the (unavailable) real plate font
LATIN_STYLES = ("latin", "latin-regular", "mono", "cjk", "din", "narrow", "condensed")

# stroke weight choices per Latin glyph style (px per side at render scale): the bold face thinner,
# regular faces bolder, OpenDIN much bolder (it is light; the plate font is heavy); others (0, 1)
STYLE_WEIGHTS = {"latin": (-1, -1, 0), "din": (2, 3), "narrow": (-1, 0), "condensed": (-1, 0),
                 "gost": (-2, -1, 0, 1, 2)}
# plate faces drawn from strokes, not fonts (a style name -> its glyph function): no font file, the plate's own shapes
STROKE_FACES = {"gost": gost_glyph}


@cache
def font_path(kind: str) -> str:
    if kind in _SIBLINGS:
        base, name = _SIBLINGS[kind]
        p = os.path.join(os.path.dirname(find_font(base)), name)
        return p if os.path.isfile(p) else find_font(base)
    return find_font(kind)


@cache
def font_styles(base: str) -> tuple[str, ...]:
    """Installed glyph styles for ``base``: "latin" -> fonts for A-Z 0-9, "cjk" -> fonts for provinces."""
    cands = LATIN_STYLES if base == "latin" else ("cjk", "cjk-zen", "cjk-bold")
    out, seen = [], set()
    for k in cands:
        try:
            p = font_path(k)
        except Exception:  # a missing optional style
            continue
        if p not in seen:
            seen.add(p)
            out.append(k)
    return tuple(out)


@lru_cache(maxsize=4096)
def raw_glyph(kind: str, char: str) -> np.ndarray:
    """Tight ink mask of one glyph, float32 [h, w] in 0..1 (Pillow, rendered once); a stroke face (STROKE_FACES)
    returns its glyph's whole character box instead (its x-scale reference "0" is then the box width)."""
    if kind in STROKE_FACES:
        return STROKE_FACES[kind](char)
    from PIL import Image, ImageDraw, ImageFont

    path = font_path(kind)
    font = ImageFont.truetype(path, _RENDER_PX, index=TTC_INDEX.get(os.path.basename(path), 0))
    img = Image.new("L", (_RENDER_PX * 2, _RENDER_PX * 2), 0)
    ImageDraw.Draw(img).text((_RENDER_PX // 2, _RENDER_PX // 4), char, fill=255, font=font)
    a = np.asarray(img, dtype=np.float32) / 255.0
    ys, xs = np.nonzero(a > 0.05)
    if ys.size == 0:
        raise ValueError(f"font {font_path(kind)} has no glyph for {char!r}")
    return np.ascontiguousarray(a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1])


@lru_cache(maxsize=1024)
def has_glyph(kind: str, char: str) -> bool:
    """True when the style draws ``char`` (OpenDIN has no Cyrillic, for one)."""
    if char in _SPECIAL:  # the hand-drawn variants are built from an installed font's glyphs
        return kind not in STROKE_FACES
    try:
        raw_glyph(kind, char)
    except ValueError:
        return False
    return True


def plate_glyph(options: tuple[tuple[str, float], ...], style: str, rng: np.random.Generator) -> str | None:
    """A plate-font shape to draw instead of a character, or None (keep it): one draw from ``rng``, the first
    ``(glyph, share)`` of ``options`` whose cumulative share it falls under, when ``style`` can draw that glyph."""
    u = rng.random()
    for glyph, share in options:
        if u < share:
            return glyph if has_glyph(style, glyph) else None
        u -= share
    return None


@lru_cache(maxsize=64)
def _bar(kind: str) -> np.ndarray:
    """A plain vertical bar as tall as the reference glyph (the "1" of Chinese plates has no flag)."""
    ref = raw_glyph(kind, _REF_GLYPH)
    stem = raw_glyph("latin" if kind == "mono" else kind, "I")  # sans "I" is a plain bar (mono's has serifs)
    return cv2.resize(stem, (stem.shape[1], ref.shape[0]), interpolation=cv2.INTER_AREA)


_SS = 4  # supersampling of the hand-drawn plate-font glyphs below


def _stroke(kind: str, w: int) -> int:
    """Stem width of a style at render scale (its plain bar), at most a quarter of ``w``."""
    return min(_bar(kind).shape[1], w // 4)


def _from_supersampled(img: np.ndarray) -> np.ndarray:
    """uint8 mask drawn at ``_SS`` x -> float32 0..1 at render scale."""
    h, w = img.shape[0] // _SS, img.shape[1] // _SS
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


@lru_cache(maxsize=64)
def _flat3(kind: str) -> np.ndarray:
    """The flat-topped "3" of the Chinese plate font: top bar, a diagonal down to the tip of the middle
    arm, then the lower bowl of the font's own "3"."""
    three = raw_glyph(kind, "3")
    h, w = three.shape
    sw, S = _stroke(kind, w), _SS
    band = three[int(0.38 * h) : int(0.58 * h)]
    cut = int(0.38 * h) + int(np.argmax((band > 0.5).sum(1)))  # row of the middle arm
    xl = int(np.argmax(three[cut] > 0.5))  # its left tip
    img = np.zeros((h * S, w * S), np.uint8)
    img[cut * S :] = (cv2.resize(three, (w * S, h * S)) * 255).astype(np.uint8)[cut * S :]
    cv2.rectangle(img, (int(0.06 * w * S), 0), (w * S - 1, int(0.95 * sw * S)), 255, -1)
    t = int(1.3 * sw * S)  # horizontal thickness of the diagonal
    diag = [(w * S - 1 - t, 0), (w * S - 1, 0), (xl * S + t, (cut + 1) * S), (xl * S, (cut + 1) * S)]
    cv2.fillPoly(img, [np.array(diag, np.int32)], 255)
    return _from_supersampled(img)


@lru_cache(maxsize=64)
def _plate_m(kind: str) -> np.ndarray:
    """The "M" of the Chinese plate font: two vertical stems, the V meeting at ~60 % of the height."""
    h, w = raw_glyph(kind, "M").shape
    w = max(w, int(0.9 * raw_glyph(kind, _REF_GLYPH).shape[1]))
    S = _SS
    sw, H, W = _stroke(kind, w) * S, h * S, w * S
    img = np.zeros((H, W), np.uint8)
    cv2.rectangle(img, (0, 0), (sw - 1, H - 1), 255, -1)
    cv2.rectangle(img, (W - sw, 0), (W - 1, H - 1), 255, -1)
    d, t = int(0.62 * H), int(1.25 * sw)  # V bottom row, horizontal thickness of a diagonal
    for x0, x1 in ((0, t), (W - 1, W - 1 - t)):
        cv2.fillPoly(img, [np.array([(x0, 0), (x1, 0), (W // 2 + (x1 - x0) // 2, d), (W // 2 - (x1 - x0) // 2, d)],
                                    np.int32)], 255)
    return _from_supersampled(img)


def _stadium(kind: str) -> tuple[np.ndarray, int]:
    """Supersampled narrow stadium ring (straight sides, half-round ends) of a style's "0", and its stroke."""
    h, w = raw_glyph(kind, _REF_GLYPH).shape
    sw, H, W = _stroke(kind, w) * _SS, h * _SS, w * _SS
    img = np.zeros((H, W), np.uint8)
    for r, val in ((W // 2, 255), (W // 2 - sw, 0)):  # outer shape, then the counter
        cv2.rectangle(img, (W // 2 - r, W // 2), (W // 2 + r - 1, H - W // 2), val, -1)
        cv2.circle(img, (W // 2, W // 2), r, val, -1)
        cv2.circle(img, (W // 2, H - W // 2), r, val, -1)
    return img, sw


@lru_cache(maxsize=64)
def _stadium0(kind: str) -> np.ndarray:
    """The narrow "0" of the Chinese plate font."""
    img, _ = _stadium(kind)
    return _from_supersampled(img)


@lru_cache(maxsize=64)
def _plate_q(kind: str) -> np.ndarray:
    """The "Q" of the Chinese plate font: the narrow "0" with a short tail across the bottom, right of centre."""
    img, sw = _stadium(kind)
    H, W = img.shape
    cv2.line(img, (int(0.52 * W), H - int(2.2 * sw)), (int(0.72 * W), H - 1 - sw // 2), 255, sw)
    return _from_supersampled(img)


@lru_cache(maxsize=64)
def _plate_g(kind: str) -> np.ndarray:
    """The "G" of the Chinese plate font: the narrow "0" opened on the upper right, with a bar into the middle."""
    img, sw = _stadium(kind)
    H, W = img.shape
    img[int(0.3 * W) : H // 2, W // 2 + sw // 2 :] = 0  # the opening: end of the top arc down to mid-height
    cv2.rectangle(img, (int(0.45 * W), H // 2), (W - 1, H // 2 + int(0.9 * sw)), 255, -1)
    return _from_supersampled(img)


# --- the Russian plate font (GOST R 50577 road-sign lettering) ----------------------------------


@lru_cache(maxsize=64)
def _flag1(kind: str) -> np.ndarray:
    """The "1" of the Russian plate font: a vertical stem right of centre with a flag slanting down to the
    left from its top, and no foot (fonts' feet and the Chinese plain bar make it a 4 or a 7 to a reader)."""
    h, w = raw_glyph(kind, _REF_GLYPH).shape
    S = _SS
    sw, H, W = _stroke(kind, w) * S, h * S, w * S
    img = np.zeros((H, W), np.uint8)
    x1 = int(0.72 * W)  # right edge of the stem
    cv2.rectangle(img, (x1 - sw, 0), (x1 - 1, H - 1), 255, -1)
    t = int(1.05 * sw)  # vertical thickness of the flag
    tip = (int(0.12 * W), int(0.34 * H))
    cv2.fillPoly(img, [np.array([(x1 - sw, 0), (x1 - 1, 0), (x1 - sw, t), (tip[0], tip[1] + t // 2),
                                 (tip[0], tip[1] - t // 2)], np.int32)], 255)
    return _from_supersampled(img)


@lru_cache(maxsize=64)
def _round_o(kind: str) -> np.ndarray:
    """The letter "O" of the Russian plate font: an elliptical ring much wider than the narrow digit "0"
    (its box is 1.3x the reference digit's width, so it fills a letter box)."""
    h, w = raw_glyph(kind, _REF_GLYPH).shape
    W, H = int(1.3 * w) * _SS, h * _SS
    sw = int(1.1 * _stroke(kind, w)) * _SS
    img = np.zeros((H, W), np.uint8)
    cv2.ellipse(img, (W // 2, H // 2), (W // 2 - 1, H // 2 - 1), 0, 0, 360, 255, -1)
    cv2.ellipse(img, (W // 2, H // 2), (max(1, W // 2 - sw), max(1, H // 2 - sw)), 0, 0, 360, 0, -1)
    return _from_supersampled(img)


# hand-made glyph variants, drawn by the plate renderer under these names
_SPECIAL = {"|": _bar, "3z": _flat3, "Mz": _plate_m, "0z": _stadium0, "Qz": _plate_q, "Gz": _plate_g,
            "1f": _flag1, "Oz": _round_o}


@lru_cache(maxsize=16384)
def glyph_mask(kind: str, char: str, w: int, h: int, weight: int = 0, fill_width: bool = False) -> np.ndarray:
    """Glyph stretched into a ``w`` x ``h`` px box, float32 [h, w] 0..1, centred horizontally.

    ``weight`` < 0 thins, > 0 thickens strokes by that many px per side at render scale.
    ``fill_width`` stretches the glyph to the full box width (used for CJK province glyphs).
    """
    g = _SPECIAL[char](kind) if char in _SPECIAL else raw_glyph(kind, char)
    if weight:
        k = np.ones((2 * abs(weight) + 1,) * 2, np.uint8)
        g = cv2.dilate(g, k) if weight > 0 else cv2.erode(g, k)
    gh, gw = g.shape
    if fill_width:
        tw = w
    else:
        rw = raw_glyph(kind, _REF_GLYPH).shape[1]
        tw = max(1, int(round(min(w, gw * w / rw))))  # same x-scale as the reference glyph
    m = cv2.resize(g, (tw, h), interpolation=cv2.INTER_AREA)
    if tw == w:
        return np.ascontiguousarray(m)
    out = np.zeros((h, w), np.float32)
    x0 = (w - tw) // 2
    out[:, x0 : x0 + tw] = m
    return out
