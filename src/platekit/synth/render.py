"""Draw a clean, flat plate (numpy/OpenCV from cached glyph masks) on a padded canvas."""

from __future__ import annotations

import cv2
import numpy as np

from platekit.synth.glyphs import STROKE_FACES, font_styles, glyph_mask, plate_glyph
from platekit.synth.glyphs import STYLE_WEIGHTS as _LATIN_WEIGHTS
from platekit.synth.latin import draw_latin_plate
from platekit.synth.layouts import LATIN_STYLES, LAYOUTS, RegionField, char_boxes
from platekit.synth.paint import blend as _blend
from platekit.synth.paint import jitter_colour as _jitter_colour
from platekit.synth.paint import rounded_mask as _rounded_mask
from platekit.synth.paint import stamp as _stamp


def background(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Car-body-like surroundings: a colour with smooth shading and texture. [h, w, 3] uint8."""
    grey = np.full(3, rng.uniform(10, 240))
    base = grey * rng.uniform(0.6, 1.4, 3) if rng.random() < 0.5 else grey  # mostly grey/black/white/silver
    cells = (int(rng.integers(2, 5)), int(rng.integers(2, 7)))
    shade = rng.uniform(rng.uniform(0.4, 1.0), 1.2, cells + (1,)) * rng.uniform(0.85, 1.15, cells + (3,))
    small = np.clip(base * shade, 0, 255).astype(np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


# Plate-font shapes no installed font has (synth/glyphs.py), per plate family (the format name before "-"):
# char -> ((glyph drawn instead, share of plates), ...) (glyphs.plate_glyph). China: "1" a plain bar, flat-topped "3", "M" with
# vertical stems and a short V, narrow stadium "0", "Q", "G". Russia (GOST R 50577): the flagged "1"
# with no foot, the flat-topped "3" (as on the Nomeroff example X371HK96), the narrow stadium "0" against
# the round letter "O", the Cyrillic "У" for "Y".
PLATE_GLYPHS = {
    "cn": {"1": (("|", 0.8),), "3": (("3z", 0.6),), "M": (("Mz", 0.7),), "0": (("0z", 0.4),), "Q": (("Qz", 0.5),),
           "G": (("Gz", 0.5),)},
    "ru": {"1": (("1f", 0.85),), "3": (("3z", 0.8),), "0": (("0z", 0.6),), "O": (("Oz", 0.7),),
           "Y": (("\u0423", 0.6),)},
}
# Whole plate faces drawn from strokes (glyphs.STROKE_FACES), per plate family: (face, share of plates). A plate drawn
# in a face takes all its characters from it (the substitutions above are for the installed fonts).
PLATE_FACES = {"ru": ("gost", 0.5)}


def draw_plate(text: str, fmt: str, k: float, rng: np.random.Generator,
               vary: float = 1.0, faces: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The plate alone at ``k`` px/mm: RGB uint8 [H, W, 3] and its rounded outline mask uint8 [H, W].
    ``faces=False``: no plate face (PLATE_FACES), installed fonts only, as drawn before the faces existed."""
    if fmt in LATIN_STYLES:  # Latin plates: their own code path (the Chinese/Russian draws stay as they were)
        return draw_latin_plate(text, fmt, k, rng, vary)
    lay = LAYOUTS[fmt]
    W, H = int(round(lay.size_mm[0] * k)), int(round(lay.size_mm[1] * k))
    bg = _jitter_colour(lay.bg, rng, 0.18 * vary)
    fg = _jitter_colour(lay.fg, rng, 0.08 * vary)
    if lay.gradient_top is not None:  # new-energy: light top -> green bottom
        top = _jitter_colour(lay.gradient_top, rng, 0.06 * vary)
        t = np.linspace(0, 1, H, dtype=np.float32)[:, None] ** rng.uniform(0.7, 1.6)
        plate = (top[None, :] * (1 - t) + bg[None, :] * t)[:, None, :].repeat(W, 1)
    else:
        plate = np.broadcast_to(bg, (H, W, 3)).astype(np.float32)
    plate = np.ascontiguousarray(np.clip(plate, 0, 255).astype(np.uint8))
    if lay.split is not None:  # large new-energy plates: a yellow left part
        plate[:, : int(round(lay.split[0] * k))] = np.round(_jitter_colour(lay.split[1], rng, 0.18 * vary))
    # frame line
    worn = rng.uniform(*lay.border_range) if vary > 0 and lay.border_range != (1.0, 1.0) else 1.0
    b = max(1, int(round(lay.border_mm * k * worn)))
    inset = max(1, int(round(1.5 * k)))
    r = int(round(8 * k))
    cv2.rectangle(plate, (inset, inset), (W - 1 - inset, H - 1 - inset), fg.tolist(), b, cv2.LINE_AA)
    # characters
    styles_l, styles_c = font_styles("latin"), font_styles("cjk")
    latin = styles_l[int(rng.integers(len(styles_l)))] if vary > 0 else "latin"
    weight = int(rng.choice(_LATIN_WEIGHTS.get(latin, (0, 1)))) if vary > 0 else 0
    family = fmt.split("-")[0]
    face = PLATE_FACES.get(family) if faces else None
    if face is not None and vary > 0 and rng.random() < face[1]:  # one more draw, only for families with a face
        latin = face[0]
        weight = int(rng.choice(_LATIN_WEIGHTS[latin]))
    cjk_weight = int(rng.choice([0, 1, 1, 2])) if vary > 0 else 0  # plate province glyphs are heavy
    cjk_font = styles_c[int(rng.integers(len(styles_c)))] if vary > 0 else "cjk"
    alpha = np.zeros((H, W), np.float32)  # text ink of the whole plate, blended once
    accent = np.zeros((H, W), np.float32) if lay.accent is not None else None  # red 警 使 领 应急
    plate_glyphs = {} if latin in STROKE_FACES else PLATE_GLYPHS.get(family, {})
    for ch, (x, y, w, h) in zip(text, char_boxes(fmt, len(text)), strict=True):
        cjk = ord(ch) > 0x4FF  # CJK (the Cyrillic plate glyphs are drawn with the Latin style)
        if ch in plate_glyphs and (g := plate_glyph(plate_glyphs[ch], latin, rng)) is not None:
            ch = g  # the plate font's own shape (if the style has it: Cyrillic)
        elif ch == "0" and latin == "mono":
            ch = "O"  # DejaVu Sans Mono's dotted zero is on no plate
        dx, dy = rng.normal(0, 0.6 * vary, 2) * k  # small print misregistration
        m = glyph_mask(cjk_font if cjk else latin, ch, max(1, int(round(w * k))), max(1, int(round(h * k))),
                       cjk_weight if cjk else weight, fill_width=cjk)
        _stamp(accent if accent is not None and ch in lay.accent_chars else alpha,
               int(round(x * k + dx)), int(round(y * k + dy)), m)
    if lay.dot is not None:
        x, y, rad = lay.dot
        cv2.circle(plate, (int(round(x * k)), int(round(y * k))), max(1, int(round(rad * k))), fg.tolist(), -1,
                   cv2.LINE_AA)
    if lay.region_field is not None:
        _draw_ru_region(plate, alpha, k, fg, lay.region_field, b)
    fg_img = np.empty_like(plate)
    fg_img[:] = np.round(fg).astype(np.uint8)
    plate = cv2.blendLinear(fg_img, plate, alpha, 1 - alpha)
    if accent is not None:
        fg_img[:] = np.round(_jitter_colour(lay.accent, rng, 0.08 * vary)).astype(np.uint8)
        plate = cv2.blendLinear(fg_img, plate, accent, 1 - accent)
    for sx, sy in lay.screws:
        c = (int(round(sx * k)), int(round(sy * k)))
        rad = max(1, int(round(rng.uniform(3.5, 5.5) * k)))
        metal = rng.uniform(110, 230) if rng.random() < 0.7 else None
        col = [metal] * 3 if metal is not None else bg.tolist()
        cv2.circle(plate, c, rad, col, -1, cv2.LINE_AA)
        cv2.circle(plate, c, rad, (np.asarray(col) * 0.55).tolist(), max(1, int(round(0.8 * k))), cv2.LINE_AA)
    return plate, _rounded_mask(H, W, r)  # RGB [H, W, 3], outline mask [H, W]


def _draw_ru_region(plate: np.ndarray, alpha: np.ndarray, k: float, fg: np.ndarray, field: RegionField,
                    frame_px: int) -> None:
    """The region field's divider (as heavy as the frame), "RUS" in small letters and the flag."""
    H = plate.shape[0]
    if field.divider_x is not None:
        x = int(round(field.divider_x * k))
        y0 = int(round(max(0.0, field.boxes2[0][1] - 8.0) * k))
        cv2.line(plate, (x, y0), (x, H - 1), fg.tolist(), max(1, int(round(0.8 * frame_px))), cv2.LINE_AA)
    rx, ry, rw, rh = field.rus
    cw = rw / 3
    for i, ch in enumerate("RUS"):
        m = glyph_mask("latin", ch, max(1, int(round(cw * 0.85 * k))), max(1, int(round(rh * k))))
        _stamp(alpha, int(round((rx + i * cw) * k)), int(round(ry * k)), m)
    if field.flag is None:
        return
    fx, fy, fw, fh = field.flag
    x0, y0, x1 = int(round(fx * k)), int(round(fy * k)), int(round((fx + fw) * k))
    sh = max(1, int(round(fh * k / 3)))
    for i, col in enumerate(((250, 250, 250), (20, 60, 170), (210, 30, 35))):
        cv2.rectangle(plate, (x0, y0 + i * sh), (x1, y0 + (i + 1) * sh - 1), col, -1)
    cv2.rectangle(plate, (x0, y0), (x1, y0 + 3 * sh - 1), fg.tolist(), 1)


_DEALER_CHARS = "汽车销售服务有限公司电话0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


def _dealer_text(canvas: np.ndarray, x: int, y: int, w: int, band: int, rng, colour) -> None:
    """A row of small characters (dealer frame advertising) in a band of height ``band`` at (x, y)."""
    ch = max(3, int(band * 0.7) // 2 * 2)  # even sizes keep the glyph cache small
    cw = max(2, int(ch * 0.8))
    n = int(w * rng.uniform(0.5, 0.95) / (cw * 1.15))
    x0 = x + int(rng.uniform(0, max(1, w - n * cw * 1.15)))
    for i in range(n):
        c = _DEALER_CHARS[int(rng.integers(len(_DEALER_CHARS)))]
        m = glyph_mask("cjk" if ord(c) > 127 else "latin", c, cw, ch)
        _blend(canvas, x0 + int(i * cw * 1.15), y + (band - ch) // 2, m, colour)


def compose(plate: tuple[np.ndarray, np.ndarray], pad: tuple[int, int], rng: np.random.Generator,
            bg: np.ndarray | None = None, holder: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Plate on a padded canvas (random surroundings, optional plate holder). -> RGB, corners lt,rt,rb,lb."""
    rgb, outline = plate
    H, W = rgb.shape[:2]
    px, py = pad
    ch, cw = H + 2 * py, W + 2 * px
    canvas = background(ch, cw, rng) if bg is None else cv2.resize(bg, (cw, ch))
    if rng.random() < holder:  # a dark/chrome holder frame a little larger than the plate
        gx, gy = int(W * rng.uniform(0.01, 0.05)), int(H * rng.uniform(0.03, 0.15))
        dark = rng.random() < 0.7
        col = [rng.uniform(0, 70)] * 3 if dark else [rng.uniform(120, 230)] * 3
        band = int(H * rng.uniform(0.12, 0.22)) if rng.random() < 0.35 else 0  # dealer text under the plate
        cv2.rectangle(canvas, (px - gx, py - gy), (px + W + gx, py + H + gy + band), col, -1)
        if band:
            _dealer_text(canvas, px, py + H + gy // 2, W, band, rng, 255 - np.asarray(col, np.float32) * 0.5)
    np.copyto(canvas[py : py + H, px : px + W], rgb, where=outline[..., None] > 127)
    corners = np.array([[px, py], [px + W, py], [px + W, py + H], [px, py + H]], np.float32)
    return canvas, corners
