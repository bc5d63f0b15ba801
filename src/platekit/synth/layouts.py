"""Plate layouts in millimetres (character boxes, colours, separator dot, screws) per format.

China (GA 36): 440 x 140 mm, characters 45 x 90 mm, 12 mm gaps, 34 mm gap after the 2nd character
holding a 10 mm dot; green new-energy plates are 480 x 140 mm with 8 characters (43 mm wide after
the dot, 9 mm gaps). Russia (GOST R 50577 type 1): 520 x 112 mm, letters 58 mm and digits 76 mm
tall, bottom-aligned, and a region box on the right with the region code, "RUS" and the flag.
"""

from __future__ import annotations

from dataclasses import dataclass

# a character box: x, y, w, h in mm; kind "cjk" | "latin"
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Layout:
    name: str
    size_mm: tuple[float, float]  # width, height
    bg: tuple[int, int, int]  # RGB plate colour (green: bottom colour of the gradient)
    fg: tuple[int, int, int]  # RGB text/border colour
    boxes: tuple[Box, ...]  # one per text position (max length)
    dot: tuple[float, float, float] | None = None  # x, y, radius mm
    border_mm: float = 2.0  # frame line width, inset border_mm from the edge
    screws: tuple[tuple[float, float], ...] = ()
    gradient_top: tuple[int, int, int] | None = None  # green plates: colour at the top edge


def _cn_boxes(n_after: int, w_after: float, gap_after: float, total_w: float) -> tuple[Box, ...]:
    widths = [45.0, 45.0] + [w_after] * n_after
    gaps = [12.0, 34.0] + [gap_after] * (n_after - 1)
    span = sum(widths) + sum(gaps)
    x = (total_w - span) / 2
    out = []
    for i, w in enumerate(widths):
        out.append((x, 25.0, w, 90.0))
        x += w + (gaps[i] if i < len(gaps) else 0)
    return tuple(out)


_CN7 = _cn_boxes(5, 45.0, 12.0, 440.0)
_CN8 = _cn_boxes(6, 43.0, 9.0, 480.0)
_CN_DOT7 = (_CN7[1][0] + 45 + 17.0, 70.0, 5.0)
_CN_DOT8 = (_CN8[1][0] + 45 + 17.0, 70.0, 5.0)

LAYOUTS: dict[str, Layout] = {
    "cn-blue": Layout("cn-blue", (440, 140), (15, 72, 200), (245, 245, 245), _CN7, _CN_DOT7, 2.0,
                      ((110.0, 12.0), (330.0, 12.0))),
    "cn-yellow": Layout("cn-yellow", (440, 140), (238, 178, 20), (20, 20, 20), _CN7, _CN_DOT7, 2.0,
                        ((110.0, 12.0), (330.0, 12.0))),
    "cn-green": Layout("cn-green", (480, 140), (60, 180, 90), (15, 15, 15), _CN8, _CN_DOT8, 1.5,
                       ((120.0, 12.0), (360.0, 12.0)), gradient_top=(235, 248, 238)),
    "ru": Layout(
        "ru", (520, 112), (240, 240, 236), (15, 15, 15),
        (
            (14.0, 36.0, 50.0, 58.0),  # letter
            (74.0, 18.0, 52.0, 76.0), (132.0, 18.0, 52.0, 76.0), (190.0, 18.0, 52.0, 76.0),  # digits
            (256.0, 36.0, 50.0, 58.0), (312.0, 36.0, 50.0, 58.0),  # letters
            (392.0, 8.0, 40.0, 58.0), (440.0, 8.0, 40.0, 58.0),  # 2-digit region
        ),
        None, 3.0, ((110.0, 56.0), (410.0, 56.0)),
    ),
}
RU_REGION3 = ((384.0, 8.0, 36.0, 58.0), (422.0, 8.0, 36.0, 58.0), (460.0, 8.0, 36.0, 58.0))
RU_DIVIDER_X = 374.0
RU_FLAG = (460.0, 78.0, 36.0, 20.0)  # x, y, w, h mm
RU_RUS = (392.0, 78.0, 60.0, 20.0)


def char_boxes(fmt: str, n_chars: int) -> tuple[Box, ...]:
    lay = LAYOUTS[fmt]
    if fmt == "ru":
        return lay.boxes[:6] + (RU_REGION3 if n_chars == 9 else lay.boxes[6:8])
    return lay.boxes[:n_chars]
