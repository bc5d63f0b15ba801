"""Plate layouts in millimetres (character boxes, colours, separator dot, screws) per format.

China (GA 36): 440 x 140 mm, characters 45 x 90 mm, 12 mm gaps, 34 mm gap after the 2nd character
holding a 10 mm dot; green new-energy plates are 480 x 140 mm with 8 characters (43 mm wide after
the dot, 9 mm gaps). Russia (GOST R 50577 type 1): 520 x 112 mm, letters 58 mm and digits 76 mm
tall, bottom-aligned, and a region field on the right with the region code (2 or 3 digits), "RUS"
and the flag; the other Russian types (taxi, trailer, police, transit) share it, the square two-row
plates (type 1A 290 x 170 mm, motorcycle type 4 245 x 160 mm) put the region field bottom right.
The square layouts are approximations of the standard's drawings (not measured on real plates).
"""

from __future__ import annotations

from dataclasses import dataclass

# a character box: x, y, w, h in mm; kind "cjk" | "latin"
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class RegionField:
    """The region field of Russian plates: the code's character boxes (2 or 3 digits), an optional
    divider line at ``divider_x`` mm, the "RUS" box and the flag box (x, y, w, h mm; None = absent)."""

    boxes2: tuple[Box, ...]
    boxes3: tuple[Box, ...]
    divider_x: float | None
    rus: Box
    flag: Box | None


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
    region_field: RegionField | None = None  # Russian plates: the code after ``boxes`` goes here
    border_range: tuple[float, float] = (1.0, 1.0)  # frame width drawn at border_mm x U(range): worn/heavy


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

_RU_FIELD = RegionField(
    ((392.0, 8.0, 40.0, 58.0), (440.0, 8.0, 40.0, 58.0)),
    ((384.0, 8.0, 36.0, 58.0), (422.0, 8.0, 36.0, 58.0), (460.0, 8.0, 36.0, 58.0)),
    374.0, (392.0, 78.0, 60.0, 20.0), (460.0, 78.0, 36.0, 20.0),
)
_RU_FIELD_NO_FLAG = RegionField(_RU_FIELD.boxes2, _RU_FIELD.boxes3, 374.0, (410.0, 78.0, 66.0, 20.0), None)
_RU_LETTER = (50.0, 58.0, 36.0)  # w, h, y of a letter box (bottom-aligned with the 76 mm digits)
_RU_DIGIT = (52.0, 76.0, 18.0)


def _ru_row(spec: str, x0: float = 12.0, x1: float = 368.0, gap: float = 8.0) -> tuple[Box, ...]:
    """Boxes of a one-row Russian plate's main characters (L letter, D digit), centred in [x0, x1]."""
    dims = [_RU_LETTER if c == "L" else _RU_DIGIT for c in spec]
    span = sum(d[0] for d in dims) + gap * (len(dims) - 1)
    x = x0 + (x1 - x0 - span) / 2
    out = []
    for w, h, y in dims:
        out.append((x, y, w, h))
        x += w + gap
    return tuple(out)


_RU_WHITE, _RU_INK = (240, 240, 236), (15, 15, 15)
_RU_SCREWS = ((9.0, 56.0), (505.0, 56.0))
_RU_WORN = (0.6, 2.6)  # frames from thin to heavy (a heavy frame hides the region digits' edges)


def _ru_layout(name: str, spec: str, bg=_RU_WHITE, fg=_RU_INK, field: RegionField = _RU_FIELD) -> Layout:
    return Layout(name, (520, 112), bg, fg, _ru_row(spec), None, 3.0, _RU_SCREWS, region_field=field,
                  border_range=_RU_WORN)


_RU_SQUARE = Layout(  # type 1A, 290 x 170: "A 123" over "BC" + region
    "ru-square", (290, 170), _RU_WHITE, _RU_INK,
    ((24.0, 30.0, 50.0, 58.0), (82.0, 12.0, 52.0, 76.0), (142.0, 12.0, 52.0, 76.0), (202.0, 12.0, 52.0, 76.0),
     (24.0, 100.0, 54.0, 60.0), (86.0, 100.0, 54.0, 60.0)),
    None, 3.0, ((145.0, 8.0),), region_field=RegionField(
        ((166.0, 96.0, 48.0, 50.0), (220.0, 96.0, 48.0, 50.0)),
        ((160.0, 96.0, 38.0, 50.0), (201.0, 96.0, 38.0, 50.0), (242.0, 96.0, 38.0, 50.0)),
        150.0, (168.0, 150.0, 60.0, 14.0), (236.0, 150.0, 34.0, 14.0)),
    border_range=_RU_WORN,
)
_RU_MOTO = Layout(  # type 4, 245 x 160: "1234" over "AB" + region, no flag
    "ru-moto", (245, 160), _RU_WHITE, _RU_INK,
    ((20.0, 10.0, 46.0, 66.0), (73.0, 10.0, 46.0, 66.0), (126.0, 10.0, 46.0, 66.0), (179.0, 10.0, 46.0, 66.0),
     (20.0, 88.0, 50.0, 58.0), (76.0, 88.0, 50.0, 58.0)),
    None, 3.0, (), region_field=RegionField(
        ((146.0, 84.0, 40.0, 50.0), (190.0, 84.0, 40.0, 50.0)),
        ((140.0, 84.0, 32.0, 50.0), (176.0, 84.0, 32.0, 50.0), (212.0, 84.0, 32.0, 50.0)),
        None, (158.0, 138.0, 60.0, 14.0), None),
    border_range=_RU_WORN,
)

LAYOUTS: dict[str, Layout] = {
    "cn-blue": Layout("cn-blue", (440, 140), (15, 72, 200), (245, 245, 245), _CN7, _CN_DOT7, 2.0,
                      ((110.0, 12.0), (330.0, 12.0))),
    "cn-yellow": Layout("cn-yellow", (440, 140), (238, 178, 20), (20, 20, 20), _CN7, _CN_DOT7, 2.0,
                        ((110.0, 12.0), (330.0, 12.0))),
    "cn-green": Layout("cn-green", (480, 140), (60, 180, 90), (15, 15, 15), _CN8, _CN_DOT8, 1.5,
                       ((120.0, 12.0), (360.0, 12.0)), gradient_top=(235, 248, 238)),
    "ru": _ru_layout("ru", "LDDDLL"),
    "ru-taxi": _ru_layout("ru-taxi", "LLDDD", bg=(242, 196, 24)),
    "ru-trailer": _ru_layout("ru-trailer", "LLDDDD"),
    "ru-police": _ru_layout("ru-police", "LDDDD", bg=(22, 64, 168), fg=(244, 244, 244), field=_RU_FIELD_NO_FLAG),
    "ru-transit": _ru_layout("ru-transit", "LLDDDL"),
    "ru-square": _RU_SQUARE,
    "ru-moto": _RU_MOTO,
}


def char_boxes(fmt: str, n_chars: int) -> tuple[Box, ...]:
    """Character boxes of a ``n_chars`` text: Russian plates put what follows ``boxes`` in the region field."""
    lay = LAYOUTS[fmt]
    f = lay.region_field
    if f is None:
        return lay.boxes[:n_chars]
    return lay.boxes + (f.boxes3 if n_chars - len(lay.boxes) == 3 else f.boxes2)
