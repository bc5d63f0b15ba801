"""Draw plates on an image: ``from platekit import draw`` (also ``--save-vis`` and the web page).

    import cv2
    from platekit import Reader, draw

    frame = cv2.imread("car.jpg")                        # BGR, as OpenCV gives it
    cv2.imwrite("out.jpg", draw(frame, Reader().read(frame)))

Texts are drawn with Pillow and the bundled ``platekit/fonts/plate-glyphs.ttf`` (the province
characters, ASCII), so provinces render on any machine; characters outside it use an installed CJK
font when there is one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from platekit.core.fonts import PLATE_FONT, label_font
from platekit.core.fonts import PLATE_GLYPHS as GLYPHS
from platekit.core.results import Plate
from platekit.errors import PlatekitError

QUAD, BOX, TEXT = (0, 255, 0), (255, 200, 0), (0, 255, 0)  # RGB: corners, box, label
UNREAD = (170, 170, 170)  # RGB: a plate found but not read


@lru_cache(maxsize=8)
def _font(size: int, path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _get(p: Plate | Mapping, key: str):
    return p[key] if isinstance(p, Mapping) else getattr(p, key)


def draw(image: np.ndarray, plates: Sequence[Plate | Mapping], color: str = "bgr", label: bool = True,
         unread: Sequence[Sequence[float]] = ()) -> np.ndarray:
    """A copy of ``image`` with each plate's corner quadrilateral (green), box (amber) and text drawn.

    image: uint8 [H, W, 3] in ``color`` order (``bgr``: OpenCV, the default; ``rgb``); the result has
    the same order. plates: :class:`platekit.Plate` objects or their JSON dicts (``box``, ``corners``,
    ``text``, ``confidence``). unread: boxes of plates found but not read (``ImageResult.unread_boxes``),
    drawn in grey with a "?".
    """
    if color not in ("bgr", "rgb"):
        raise PlatekitError(f"unknown color order {color!r}; use 'bgr' (OpenCV) or 'rgb'")
    a = np.asarray(image)
    if a.dtype != np.uint8 or a.ndim != 3 or a.shape[2] != 3:
        raise PlatekitError(f"draw needs a uint8 [H, W, 3] image, got {a.dtype} {a.shape}")
    rgb = a[..., ::-1] if color == "bgr" else a
    pil = Image.fromarray(np.ascontiguousarray(rgb))
    g = ImageDraw.Draw(pil)
    lw = max(1, round(min(a.shape[:2]) / 300))
    size = max(14, round(min(a.shape[:2]) / 30))
    for box in unread:
        x1, y1, x2, y2 = (float(v) for v in box)
        g.rectangle((x1, y1, x2, y2), outline=UNREAD, width=lw)
        if label:
            font = _font(size, label_font("?"))
            g.text((x1, y1 - size - 6 if y1 - size - 6 >= 0 else y2 + 2), "?", font=font, fill=UNREAD)
    for p in plates:
        x1, y1, x2, y2 = (float(v) for v in _get(p, "box"))
        g.rectangle((x1, y1, x2, y2), outline=BOX, width=lw)
        corners = [tuple(float(v) for v in c) for c in _get(p, "corners")]
        g.line(corners + corners[:1], fill=QUAD, width=lw + 1, joint="curve")
        if not label:
            continue
        text = f"{_get(p, 'text')} {float(_get(p, 'confidence')):.2f}"
        font = _font(size, label_font(text))
        top = y1 - size - 6 if y1 - size - 6 >= 0 else y2 + 2  # above the box, or below it at the top edge
        bx0, by0, bx1, by1 = g.textbbox((x1, top), text, font=font)
        g.rectangle((bx0 - 3, by0 - 3, bx1 + 3, by1 + 3), fill=(0, 0, 0))
        g.text((x1, top), text, font=font, fill=TEXT)
    out = np.asarray(pil)
    return np.ascontiguousarray(out[..., ::-1]) if color == "bgr" else out


def draw_plates(image: np.ndarray, plates: Sequence[Plate], unread: Sequence[Sequence[float]] = ()) -> np.ndarray:
    """RGB in, RGB out (platekit's inner convention; ``--save-vis``)."""
    return draw(image, plates, color="rgb", unread=unread)


__all__ = ["draw", "draw_plates", "PLATE_FONT", "GLYPHS"]
