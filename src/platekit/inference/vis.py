"""Draw plates (box, corners, text) on an image for ``--save-vis``."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import cv2
import numpy as np

from platekit.core.results import Plate


@lru_cache(maxsize=4)
def _font(size: int):
    """A Pillow CJK font, or None (Pillow / font missing: fall back to ASCII text with OpenCV)."""
    try:
        from PIL import ImageFont

        from platekit.core.fonts import find_font

        return ImageFont.truetype(find_font("cjk"), size)
    except Exception:
        return None


def draw_plates(image: np.ndarray, plates: Sequence[Plate], color=(0, 255, 0)) -> np.ndarray:
    """RGB uint8 -> a copy with each plate's quadrilateral, box and text drawn."""
    out = image.copy()
    lw = max(1, round(min(out.shape[:2]) / 300))
    labels = []
    for p in plates:
        x1, y1, x2, y2 = (int(round(v)) for v in p.box)
        cv2.rectangle(out, (x1, y1), (x2, y2), (255, 200, 0), lw)
        pts = np.round(np.asarray(p.corners, np.float32)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(out, [pts], True, color, lw)
        labels.append((f"{p.text} {p.confidence:.2f}", x1, max(0, y1 - 4)))
    size = max(14, round(min(out.shape[:2]) / 30))
    font = _font(size)
    if font is not None and labels:
        from PIL import Image, ImageDraw

        pil = Image.fromarray(out)
        draw = ImageDraw.Draw(pil)
        for text, x, y in labels:
            x0, y0, x1_, y1_ = draw.textbbox((x, y - size), text, font=font)
            draw.rectangle((x0 - 2, y0 - 2, x1_ + 2, y1_ + 2), fill=(0, 0, 0))
            draw.text((x, y - size), text, font=font, fill=color)
        return np.asarray(pil)
    for text, x, y in labels:
        ascii_text = text.encode("ascii", "replace").decode()
        cv2.putText(out, ascii_text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, size / 30, color, lw, cv2.LINE_AA)
    return out
