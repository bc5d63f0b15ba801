"""Latin plates (Europe, UK, USA, Brazil, generic): the looks of ``layouts.LATIN_STYLES`` drawn at render time.

Their own code path: the Chinese and Russian plates (``render.draw_plate``) draw exactly as before.
Character boxes are laid out per text (variable length), the bands (EU stars and country code, GB,
US state and slogan lines, Brazil's Mercosul band and the older plates' city line) are drawn by the
functions of ``_BANDS``, keyed by the look's ``band``.
"""

from __future__ import annotations

import cv2
import numpy as np

from platekit.synth.glyphs import STYLE_WEIGHTS, font_styles, glyph_mask, plate_glyph
from platekit.synth.layouts import BR_CITIES, LATIN_STYLES, US_SLOGANS, US_STATES, Box, LatinStyle
from platekit.synth.paint import jitter_colour, rounded_mask, stamp

_EU_BLUE, _EU_STAR = (20, 60, 160), (250, 210, 30)

# Plate-font shapes the installed fonts lack, drawn instead of a character on a share of the characters:
# char -> ((glyph, share), ...) as render.PLATE_GLYPHS (glyphs.plate_glyph). Real Latin plate faces (FE-Schrift and the Mercosul face,
# the UK's Charles Wright, most US state faces) draw the "1" as a stem with a flag and no foot, and on a
# small or blurred plate the flag all but vanishes, while every installed style has a foot: the flagged
# "1" of synth/glyphs.py ("1f") and, less often, a plain bar ("|", told from "I" by its neighbours only).
LATIN_PLATE_GLYPHS = {"1": (("1f", 0.45), ("|", 0.15))}


def _space_before(text: str, rule: str | tuple[int, ...]) -> list[bool]:
    """Per character: is there a national-format space (or dash) before it?"""
    if isinstance(rule, tuple):
        return [i in rule for i in range(len(text))]
    change = [i > 0 and text[i].isdigit() != text[i - 1].isdigit() for i in range(len(text))]
    if rule == "first" and any(change):
        first = change.index(True)
        change = [i == first for i in range(len(text))]
    return change


def latin_boxes(text: str, look: LatinStyle) -> tuple[tuple[Box, ...], list[Box]]:
    """Character boxes of ``text`` centred in the look's text box (mm), and the boxes of its spaces."""
    x0, y0, x1, y1 = look.text_box
    cw, ch = look.char_mm
    sp = _space_before(text, look.spaces)
    n = len(text)
    span = n * cw + (n - 1) * look.gap_mm + sum(sp) * look.space_mm
    s = min(1.0, (x1 - x0) / span)  # long texts: squeeze horizontally
    x = x0 + ((x1 - x0) - span * s) / 2
    y = y0 + ((y1 - y0) - ch) / 2
    boxes, spaces = [], []
    for i in range(n):
        if i:
            x += look.gap_mm * s
        if sp[i]:
            spaces.append((x, y, look.space_mm * s, ch))
            x += look.space_mm * s
        boxes.append((x, y, cw * s, ch))
        x += cw * s
    return tuple(boxes), spaces


def _small_text(alpha: np.ndarray, text: str, cx: float, y: float, h: float, k: float, wide: float = 0.62) -> None:
    """A line of small capitals ``h`` mm tall centred at ``cx`` mm (spaces advance, "-" is a bar)."""
    cw, gap = h * wide, h * 0.16
    span = len(text) * (cw + gap) - gap
    x = cx - span / 2
    hp = max(1, int(round(h * k)))
    wp = max(1, int(round(cw * k)))
    for c in text:
        if c == "-":
            bh = max(1, int(round(0.14 * h * k)))
            cv2.rectangle(alpha, (int(round((x + 0.15 * cw) * k)), int(round((y + 0.45 * h) * k))),
                          (int(round((x + 0.85 * cw) * k)), int(round((y + 0.45 * h) * k)) + bh - 1), 1.0, -1)
        elif c != " ":
            stamp(alpha, int(round(x * k)), int(round(y * k)), glyph_mask("latin", c, wp, hp))
        x += cw + gap


def _fill(img: np.ndarray, x: float, y: float, w: float, h: float, k: float, colour) -> None:
    cv2.rectangle(img, (int(round(x * k)), int(round(y * k))), (int(round((x + w) * k)) - 1, int(round((y + h) * k)) - 1),
                  [float(v) for v in colour], -1)


def _ink(img: np.ndarray, alpha: np.ndarray, colour) -> None:
    """Blend ``colour`` into ``img`` where ``alpha`` (0..1) is set."""
    a = alpha[..., None]
    img[:] = (img * (1 - a) + np.asarray(colour, np.float32) * a).astype(np.uint8)


def _band_eu(img, look: LatinStyle, k: float, rng: np.random.Generator, fg) -> None:
    """The EU band: blue, a ring of 12 yellow stars (dots) and the country code in white."""
    H = img.shape[0] / k
    w = 40.0
    _fill(img, 0, 0, w, H, k, _EU_BLUE)
    cx, cy, r = w / 2, H * 0.3, w * 0.3
    for a in np.linspace(0, 2 * np.pi, 12, endpoint=False):
        cv2.circle(img, (int(round((cx + r * np.cos(a)) * k)), int(round((cy + r * np.sin(a)) * k))),
                   max(1, int(round(1.8 * k))), _EU_STAR, -1, cv2.LINE_AA)
    code = look.band_codes[int(rng.integers(len(look.band_codes)))]
    alpha = np.zeros(img.shape[:2], np.float32)
    h = 22.0 if len(code) < 3 else 15.0
    _small_text(alpha, code, cx, H * 0.62, h, k, wide=0.62 if len(code) < 3 else 0.5)
    _ink(img, alpha, (245, 245, 245))


def _band_gb(img, look: LatinStyle, k: float, rng: np.random.Generator, fg) -> None:
    """The GB/UK identifier: a blue band with the code in white (optional on real plates: half of them)."""
    if rng.random() < 0.5:
        return
    H = img.shape[0] / k
    _fill(img, 0, 0, 40.0, H, k, _EU_BLUE)
    alpha = np.zeros(img.shape[:2], np.float32)
    _small_text(alpha, look.band_codes[int(rng.integers(len(look.band_codes)))], 20.0, H * 0.55, 22.0, k)
    _ink(img, alpha, (245, 245, 245))


def _band_us(img, look: LatinStyle, k: float, rng: np.random.Generator, fg) -> None:
    """A US plate's state name at the top and a slogan at the bottom, in small letters."""
    W, _ = look.size_mm
    alpha = np.zeros(img.shape[:2], np.float32)
    _small_text(alpha, US_STATES[int(rng.integers(len(US_STATES)))], W / 2, 10.0, 20.0, k,
                wide=float(rng.uniform(0.5, 0.7)))
    _ink(img, alpha, fg if rng.random() < 0.6 else (170, 25, 35))
    slogan = US_SLOGANS[int(rng.integers(len(US_SLOGANS)))]
    if slogan:
        alpha[:] = 0
        _small_text(alpha, slogan, W / 2, 124.0, 13.0, k, wide=0.55)
        _ink(img, alpha, fg)


def _band_br(img, look: LatinStyle, k: float, rng: np.random.Generator, fg) -> None:
    """Mercosul: a blue band along the top with "BRASIL" in white and a small flag on its right."""
    W, _ = look.size_mm
    _fill(img, 0, 0, W, 26.0, k, (20, 50, 150))
    alpha = np.zeros(img.shape[:2], np.float32)
    _small_text(alpha, "BRASIL", W / 2, 6.0, 15.0, k)
    _ink(img, alpha, (245, 245, 245))
    fx, fy, fw, fh = W - 44.0, 5.0, 28.0, 17.0  # the flag: green, yellow rhombus, blue disc
    _fill(img, fx, fy, fw, fh, k, (0, 150, 60))
    pts = np.array([(fx + 2, fy + fh / 2), (fx + fw / 2, fy + 1.5), (fx + fw - 2, fy + fh / 2),
                    (fx + fw / 2, fy + fh - 1.5)]) * k
    cv2.fillConvexPoly(img, np.round(pts).astype(np.int32), (250, 215, 0), cv2.LINE_AA)
    cv2.circle(img, (int(round((fx + fw / 2) * k)), int(round((fy + fh / 2) * k))), max(1, int(round(4.5 * k))),
               (20, 40, 130), -1, cv2.LINE_AA)
    alpha[:] = 0
    _small_text(alpha, "BR", 24.0, 8.0, 11.0, k)  # the Mercosul country code on the left
    _ink(img, alpha, (245, 245, 245))


def _band_br_old(img, look: LatinStyle, k: float, rng: np.random.Generator, fg) -> None:
    """The older Brazilian plates: a city / state line along the top, in the text colour."""
    W, _ = look.size_mm
    alpha = np.zeros(img.shape[:2], np.float32)
    _small_text(alpha, BR_CITIES[int(rng.integers(len(BR_CITIES)))], W / 2, 8.0, 17.0, k, wide=0.58)
    _ink(img, alpha, fg)


_BANDS = {"eu": _band_eu, "gb": _band_gb, "us": _band_us, "br": _band_br, "br-old": _band_br_old}


def draw_latin_plate(text: str, fmt: str, k: float, rng: np.random.Generator,
                     vary: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A Latin plate at ``k`` px/mm: RGB uint8 [H, W, 3] and its rounded outline mask uint8 [H, W]."""
    looks = LATIN_STYLES[fmt]
    look = looks[int(rng.integers(len(looks)))] if vary > 0 else looks[0]
    W, H = int(round(look.size_mm[0] * k)), int(round(look.size_mm[1] * k))
    bg_c, fg_c = look.colours[int(rng.integers(len(look.colours)))] if vary > 0 else look.colours[0]
    bg = jitter_colour(bg_c, rng, 0.12 * vary)
    fg = jitter_colour(fg_c, rng, 0.08 * vary)
    if look.gradient_tops and vary > 0 and rng.random() < 0.5:
        top = jitter_colour(look.gradient_tops[int(rng.integers(len(look.gradient_tops)))], rng, 0.06 * vary)
        t = np.linspace(0, 1, H, dtype=np.float32)[:, None] ** rng.uniform(0.6, 1.8)
        plate = (top[None, :] * (1 - t) + bg[None, :] * t)[:, None, :].repeat(W, 1)
    else:
        plate = np.broadcast_to(bg, (H, W, 3)).astype(np.float32)
    plate = np.ascontiguousarray(np.clip(plate, 0, 255).astype(np.uint8))
    if look.band is not None:
        _BANDS[look.band](plate, look, k, rng, fg)
    if look.border_mm > 0 and (vary <= 0 or rng.random() < 0.8):
        b = max(1, int(round(look.border_mm * k * (rng.uniform(0.6, 1.8) if vary > 0 else 1.0))))
        inset = max(1, int(round(1.5 * k)))
        cv2.rectangle(plate, (inset, inset), (W - 1 - inset, H - 1 - inset), fg.tolist(), b, cv2.LINE_AA)
    # characters: a preferred style of the look that is installed, else any installed Latin style
    installed = font_styles("latin")
    styles = tuple(s for s in look.fonts if s in installed) or installed
    style = styles[int(rng.integers(len(styles)))] if vary > 0 else styles[0]
    weight = int(rng.choice(STYLE_WEIGHTS.get(style, (0, 1)))) if vary > 0 else 0
    alpha = np.zeros((H, W), np.float32)
    boxes, spaces = latin_boxes(text, look)
    for ch, (x, y, w, h) in zip(text, boxes, strict=True):
        if ch == "0" and style == "mono":
            ch = "O"  # DejaVu Sans Mono's dotted zero is on no plate
        if ch in LATIN_PLATE_GLYPHS and vary > 0 and (g := plate_glyph(LATIN_PLATE_GLYPHS[ch], style, rng)) is not None:
            ch = g
        dx, dy = rng.normal(0, 0.6 * vary, 2) * k  # small print misregistration
        m = glyph_mask(style, ch, max(1, int(round(w * k))), max(1, int(round(h * k))), weight)
        stamp(alpha, int(round(x * k + dx)), int(round(y * k + dy)), m)
    if look.dash:
        for x, y, w, h in spaces:
            bh = max(1, int(round(0.1 * h * k)))
            y0 = int(round((y + 0.5 * h) * k)) - bh // 2
            cv2.rectangle(alpha, (int(round((x + 0.12 * w) * k)), y0), (int(round((x + 0.88 * w) * k)) - 1, y0 + bh - 1),
                          1.0, -1)
    _ink(plate, alpha, fg)
    for sx, sy in look.screws:
        if vary > 0 and rng.random() < 0.4:
            continue
        c = (int(round(sx * k)), int(round(sy * k)))
        rad = max(1, int(round(rng.uniform(3.0, 5.0) * k)))
        metal = rng.uniform(110, 230)
        cv2.circle(plate, c, rad, [metal] * 3, -1, cv2.LINE_AA)
        cv2.circle(plate, c, rad, [metal * 0.55] * 3, max(1, int(round(0.8 * k))), cv2.LINE_AA)
    return plate, rounded_mask(H, W, int(round(look.corner_mm * k)))
