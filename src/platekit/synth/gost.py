"""The Russian plate face (GOST R 50577 lettering) drawn from strokes: all ten digits and the twelve letters.

Installed fonts draw Russian plates only approximately (round-topped 3, footed 1, wide 0, curled 7 and 4);
this face is monoline and narrow like the plate's: the flagged 1 without a foot, the flat-topped 3, the closed
4 with its diagonal, the narrow stadium 0 against the round letter O, the Cyrillic У for Y. Every glyph is a
list of strokes in millimetres inside its GOST character box (digits 52 x 76, letters 50 x 58), drawn with one
stroke width; strokes that run past the box are cut flat by it, as the plate font's stems are; every other stroke
end is round (OpenCV's thick lines), where the plate lettering's ends are flat: part of the approximation.

The shapes were drawn from the standard's description and the one real Russian plate here (the Nomeroff
example X371HK96), not traced from a font file; they are an approximation of the plate face, one style
among the installed fonts (render.PLATE_FACES sets its share).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

DIGIT_BOX = (52.0, 76.0)  # mm, w x h
LETTER_BOX = (50.0, 58.0)
STROKE_MM = 11.0  # the real example X371HK96 measures 11-13 mm (blurred)
_PX_PER_MM = 2  # raw glyph scale (glyph_mask resizes it into the plate's box)
_SS = 4  # supersampling while drawing

# Stroke kinds: ("L", x0, y0, x1, y1, ...) polyline; ("E", cx, cy, rx, ry, deg0, deg1) elliptic arc (degrees
# clockwise from +x, y down, so 270 is the top); ("B", x0, y0, cx, cy, x1, y1) quadratic Bezier.
# Digit centre lines: left 11, right 41, top 5, bottom 71 (the stroke is 11 mm wide).
_DIGITS: dict[str, tuple[tuple, ...]] = {
    "0": (("L", 11, 20, 11, 56), ("L", 41, 20, 41, 56), ("E", 26, 20, 15, 15, 180, 360), ("E", 26, 56, 15, 15, 0, 180)),
    "1": (("L", 35, -10, 35, 86), ("L", 35, 5, 12, 26)),
    "2": (("E", 26, 20, 15, 15, 165, 385), ("L", 40.1, 25.1, 11, 69), ("L", 8, 71, 46, 71)),
    "3": (("L", 9, 5, 41, 5), ("L", 41, 5, 23, 33), ("E", 25, 52, 16, 19, 252, 510)),
    "4": (("L", 37, -10, 37, 86), ("L", 37, 5, 9, 53), ("L", 6, 53, 46, 53)),
    "5": (("L", 41, 5, 12, 5), ("L", 12, 5, 12, 38), ("E", 25, 52, 16, 19, 225, 510)),
    "6": (("E", 26, 52, 15, 19, 0, 360), ("B", 11, 52, 11, 5, 38, 5)),
    "7": (("L", 9, 5, 43, 5), ("L", 43, 5, 19, 86)),
    "8": (("E", 26, 19, 13, 14, 0, 360), ("E", 26, 52, 15, 19, 0, 360)),
    "9": (("E", 26, 24, 15, 19, 0, 360), ("B", 41, 24, 41, 71, 14, 71)),
}
# Letter centre lines: left 8, right 42, top 5, bottom 53.
_LETTERS: dict[str, tuple[tuple, ...]] = {
    "A": (("L", 22, 5, 28, 5), ("L", 22, 5, 3, 70), ("L", 28, 5, 47, 70), ("L", 13, 38, 37, 38)),
    "B": (("L", 8, -10, 8, 68), ("L", 8, 5, 30, 5), ("E", 30, 15.5, 10.5, 10.5, 270, 450), ("L", 8, 26, 30, 26),
          ("E", 30, 39.5, 13.5, 13.5, 270, 450), ("L", 8, 53, 30, 53)),
    "E": (("L", 8, -10, 8, 68), ("L", 8, 5, 43, 5), ("L", 8, 28, 38, 28), ("L", 8, 53, 43, 53)),
    "K": (("L", 8, -10, 8, 68), ("L", 47, -4, 10, 35), ("L", 20, 24, 50, 66)),
    "M": (("L", 7, -10, 7, 68), ("L", 43, -10, 43, 68), ("L", 7, 5, 25, 40, 43, 5)),
    "H": (("L", 8, -10, 8, 68), ("L", 42, -10, 42, 68), ("L", 8, 29, 42, 29)),
    "O": (("E", 25, 29, 18, 24, 0, 360),),
    "P": (("L", 8, -10, 8, 68), ("L", 8, 5, 28, 5), ("E", 28, 17.5, 12.5, 12.5, 270, 450), ("L", 8, 30, 28, 30)),
    "C": (("E", 26, 29, 18, 24, 35, 325),),
    "T": (("L", 3, 5, 47, 5), ("L", 25, 5, 25, 68)),
    "Y": (("L", 4, -6, 25, 38), ("L", 46, -6, 12, 66)),  # the Cyrillic У
    "X": (("L", 2, -8, 48, 66), ("L", 48, -8, 2, 66)),
}
GLYPHS = {**_DIGITS, **_LETTERS, "\u0423": _LETTERS["Y"]}


def _points(stroke: tuple, s: float) -> np.ndarray:
    """Centre-line polyline of one stroke, in supersampled px, int32 [n, 2]."""
    kind, *v = stroke
    if kind == "L":
        p = np.asarray(v, np.float64).reshape(-1, 2)
    elif kind == "E":
        cx, cy, rx, ry, a0, a1 = v
        t = np.radians(np.linspace(a0, a1, max(8, int(abs(a1 - a0) / 4))))
        p = np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)
    else:  # "B"
        a, c, b = np.asarray(v, np.float64).reshape(3, 2)
        t = np.linspace(0, 1, 32)[:, None]
        p = (1 - t) ** 2 * a + 2 * (1 - t) * t * c + t**2 * b
    return np.round(p * s).astype(np.int32)


@lru_cache(maxsize=64)
def gost_glyph(char: str) -> np.ndarray:
    """Ink mask of one plate-face glyph, float32 [h, w] 0..1, the full GOST box at 2 px/mm."""
    if char not in GLYPHS:
        raise ValueError(f"the GOST plate face has no glyph for {char!r}")
    bw, bh = DIGIT_BOX if char in _DIGITS else LETTER_BOX
    s = _PX_PER_MM * _SS
    img = np.zeros((int(bh * s), int(bw * s)), np.uint8)
    for stroke in GLYPHS[char]:
        cv2.polylines(img, [_points(stroke, s)], False, 255, int(round(STROKE_MM * s)), cv2.LINE_AA)
    out = cv2.resize(img, (int(bw * _PX_PER_MM), int(bh * _PX_PER_MM)), interpolation=cv2.INTER_AREA)
    return out.astype(np.float32) / 255.0  # [h, w]
