"""Plate layouts in millimetres (character boxes, colours, separator dot, screws) per format.

China (GA 36): 440 x 140 mm, characters 45 x 90 mm, 12 mm gaps, 34 mm gap after the 2nd character
holding a 10 mm dot; green new-energy plates are 480 x 140 mm with 8 characters (43 mm wide after
the dot, 9 mm gaps). Russia (GOST R 50577 type 1): 520 x 112 mm, letters 58 mm and digits 76 mm
tall, bottom-aligned, and a region field on the right with the region code (2 or 3 digits), "RUS"
and the flag; the other Russian types (taxi, trailer, police, transit) share it, the square two-row
plates (type 1A 290 x 170 mm, motorcycle type 4 245 x 160 mm) put the region field bottom right.
The square layouts are approximations of the standard's drawings (not measured on real plates).
The Chinese special types (issue 14; core.formats.CN_TYPES) reuse these boxes: learner 学 and trailer 挂
on yellow, police (white, red 警), embassy / consulate (black, red 使 / 领), Hong Kong / Macau (black),
emergency (white, red 应急, 8 narrower boxes: approximate), the large new-energy plate (480 x 140, yellow
left part, green right part: the split position is approximate) and the two-row yellow plate (440 x 220:
province and letter 80 x 60 mm on top, 5 characters 65 x 110 mm below; sizes approximate).
Latin plates (Europe, UK, USA, Brazil) are at the end: looks as data, boxes laid out at render time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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
    accent: tuple[int, int, int] | None = None  # colour of the characters in ``accent_chars`` (red 警 使 领 应急)
    accent_chars: str = ""
    split: tuple[float, tuple[int, int, int]] | None = None  # (x mm, colour): the plate left of x in that colour


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

_CN_RED = (205, 25, 30)
_CN_BLACK, _CN_WHITE_PLATE = (22, 22, 24), (238, 238, 234)
_CN_SCREWS = ((110.0, 12.0), (330.0, 12.0))
_CN_EMB = tuple((x, 25.0, 45.0, 90.0) for x in (26.5 + i * 57.0 for i in range(7)))  # evenly spaced, no dot
_CN_EMG = _cn_boxes(6, 40.0, 8.0, 440.0)  # province, letter, 4 + 应 急: 8 boxes on a 440 mm plate
_CN_2ROW = ((115.0, 15.0, 80.0, 60.0), (245.0, 15.0, 80.0, 60.0)) + tuple(
    (27.5 + i * 80.0, 95.0, 65.0, 110.0) for i in range(5))


def _cn_layout(name: str, bg, fg, accent_chars: str = "", boxes=_CN7, dot=_CN_DOT7) -> Layout:
    """A single-row 440 x 140 mm Chinese plate of one of the special types."""
    return Layout(name, (440, 140), bg, fg, boxes, dot, 2.0, _CN_SCREWS,
                  accent=_CN_RED if accent_chars else None, accent_chars=accent_chars)


LAYOUTS: dict[str, Layout] = {
    "cn-blue": Layout("cn-blue", (440, 140), (15, 72, 200), (245, 245, 245), _CN7, _CN_DOT7, 2.0,
                      ((110.0, 12.0), (330.0, 12.0))),
    "cn-yellow": Layout("cn-yellow", (440, 140), (238, 178, 20), (20, 20, 20), _CN7, _CN_DOT7, 2.0,
                        ((110.0, 12.0), (330.0, 12.0))),
    "cn-green": Layout("cn-green", (480, 140), (60, 180, 90), (15, 15, 15), _CN8, _CN_DOT8, 1.5,
                       ((120.0, 12.0), (360.0, 12.0)), gradient_top=(235, 248, 238)),
    "cn-green-large": Layout("cn-green-large", (480, 140), (70, 175, 80), (15, 15, 15), _CN8, _CN_DOT8, 1.5,
                             ((120.0, 12.0), (360.0, 12.0)), split=(_CN8[1][0] + 45 + 6.0, (238, 190, 30))),
    "cn-yellow-2row": Layout("cn-yellow-2row", (440, 220), (238, 178, 20), (20, 20, 20), _CN_2ROW,
                             (220.0, 45.0, 5.0), 2.0, ((60.0, 45.0), (380.0, 45.0))),
    "cn-learner": _cn_layout("cn-learner", (238, 178, 20), (20, 20, 20)),
    "cn-trailer": _cn_layout("cn-trailer", (238, 178, 20), (20, 20, 20)),
    "cn-police": _cn_layout("cn-police", _CN_WHITE_PLATE, (18, 18, 18), "警"),
    "cn-embassy": _cn_layout("cn-embassy", _CN_BLACK, (240, 240, 240), "使", _CN_EMB, None),
    "cn-consulate": _cn_layout("cn-consulate", _CN_BLACK, (240, 240, 240), "领"),
    "cn-hk": _cn_layout("cn-hk", _CN_BLACK, (240, 240, 240)),
    "cn-macau": _cn_layout("cn-macau", _CN_BLACK, (240, 240, 240)),
    "cn-emergency": _cn_layout("cn-emergency", _CN_WHITE_PLATE, (18, 18, 18), "应急", _CN_EMG,
                               (_CN_EMG[1][0] + 45 + 17.0, 70.0, 5.0)),
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


# --- Latin plates -------------------------------------------------------------------------------
# Latin texts have variable length, so their character boxes are laid out at render time: centred in
# ``text_box``, ``char_mm`` (width of the digit 0, height) each, ``gap_mm`` apart, with ``space_mm``
# more where the national format writes a space or a dash (``spaces``: "class" = at every letter/digit
# change, "first" = at the first one only, a tuple of character indices = before those, () = none) and
# squeezed horizontally when a long text does not fit. A format has one or more looks (rng picks one).
# Sizes: EU 520 x 110 mm (EU regulation 2411/98), UK 520 x 111 mm (BS AU 145e), US 12 x 6 in
# (305 x 152 mm), Brazil 400 x 130 mm (Mercosul and the older grey plates). Character sizes, the
# band drawings, colours and the US state/slogan lines are approximations chosen by eye.

RGB = tuple[int, int, int]
_WHITE, _INK = (240, 240, 236), (18, 18, 18)
_EU_YELLOW, _UK_YELLOW = (244, 200, 30), (246, 206, 40)


@dataclass(frozen=True)
class LatinStyle:
    """One look of a Latin plate."""

    name: str
    size_mm: tuple[float, float]  # width, height
    colours: tuple[tuple[RGB, RGB], ...]  # (plate, text) colour pairs to choose from
    text_box: tuple[float, float, float, float]  # x0, y0, x1, y1 mm: the characters are centred in it
    char_mm: tuple[float, float]  # width (of a "0"), height
    gap_mm: float  # between characters
    space_mm: float = 0.0  # extra gap at a space/dash of the national format
    spaces: str | tuple[int, ...] = ()  # "class", "first", character indices or () (see above)
    dash: bool = False  # draw a dash in the spaces (ABC-1234)
    band: str | None = None  # decoration drawn by synth/latin.py: "eu", "gb", "us", "br", "br-old"
    band_codes: tuple[str, ...] = ()  # EU/GB band country codes (one is drawn)
    fonts: tuple[str, ...] = ("din", "narrow", "condensed")  # preferred glyph styles (the installed ones)
    border_mm: float = 1.5  # frame line width (0: none)
    corner_mm: float = 6.0  # corner radius
    screws: tuple[tuple[float, float], ...] = ()
    gradient_tops: tuple[RGB, ...] = ()  # optional top colours of a vertical gradient (US)


def _eu(name: str, codes: tuple[str, ...], spaces="class", colours=((_WHITE, _INK),), dash=False,
        char=(44.0, 75.0), gap=5.0, space=14.0) -> LatinStyle:
    return LatinStyle(name, (520, 110), colours, (48.0, 17.0, 512.0, 93.0), char, gap, space, spaces, dash,
                      "eu", codes, ("din", "narrow", "condensed"), 1.5, 6.0)


_UK = dict(size_mm=(520, 111), text_box=(48.0, 16.0, 512.0, 95.0), char_mm=(50.0, 79.0), gap_mm=11.0,
           space_mm=22.0, spaces=(4,), fonts=("condensed", "latin", "narrow"), border_mm=0.0, corner_mm=5.0)
_UK_LOOKS = (
    LatinStyle("uk-front", colours=((_WHITE, _INK),), band="gb", band_codes=("GB", "UK"), **_UK),
    LatinStyle("uk-rear", colours=((_UK_YELLOW, _INK),), band="gb", band_codes=("GB", "UK"), **_UK),
    LatinStyle("uk-plain", colours=((_WHITE, _INK), (_UK_YELLOW, _INK)), **{**_UK, "text_box": (14.0, 16.0, 506.0, 95.0)}),
)

_US_COLOURS = (  # light plates, dark text
    ((244, 244, 240), (20, 40, 130)), ((244, 244, 240), (150, 20, 30)), ((244, 244, 240), (20, 20, 20)),
    ((215, 230, 245), (20, 40, 120)), ((248, 238, 190), (20, 20, 20)), ((248, 238, 190), (20, 40, 130)),
    ((236, 244, 236), (20, 90, 40)),
)
_US_HOLES = ((76.0, 12.0), (229.0, 12.0), (76.0, 140.0), (229.0, 140.0))
_US = dict(size_mm=(305, 152), colours=_US_COLOURS, text_box=(14.0, 36.0, 291.0, 116.0), char_mm=(33.0, 72.0),
           gap_mm=4.0, space_mm=10.0, band="us", fonts=("latin", "condensed", "narrow"), border_mm=2.0,
           corner_mm=10.0, screws=_US_HOLES, gradient_tops=((250, 250, 250), (190, 215, 240), (250, 225, 170)))
_US_LOOKS = (LatinStyle("us", **_US), LatinStyle("us-dash", spaces="first", dash=True, **_US),
             LatinStyle("us-space", spaces="first", **_US))

_BR = dict(size_mm=(400, 130), text_box=(14.0, 36.0, 386.0, 118.0), char_mm=(40.0, 68.0), gap_mm=7.0,
           fonts=("din", "narrow", "condensed"), border_mm=1.5, corner_mm=8.0)
_BR_LOOK = LatinStyle("br", colours=((_WHITE, _INK),), band="br", **_BR)
_BR_OLD_LOOK = LatinStyle("br-old", colours=(((190, 192, 192), _INK), ((176, 178, 180), (30, 30, 30))),
                          spaces=(3,), dash=True, space_mm=22.0, band="br-old",
                          **{**_BR, "fonts": ("latin", "condensed", "narrow"), "border_mm": 2.5})

# latin-generic: the other looks with random colour pairs, dark plates with light text included
_GENERIC_COLOURS = (
    (_WHITE, _INK), ((244, 206, 40), _INK), ((30, 30, 30), (240, 240, 240)), ((25, 50, 140), (245, 245, 245)),
    ((20, 100, 50), (245, 245, 245)), ((150, 25, 30), (245, 235, 220)), ((30, 30, 30), (240, 200, 40)),
    ((210, 225, 240), (20, 40, 120)), ((200, 200, 200), (20, 20, 20)), ((240, 240, 236), (150, 20, 30)),
)


def _generic(look: LatinStyle) -> LatinStyle:
    return replace(look, name=f"generic-{look.name}", colours=_GENERIC_COLOURS, fonts=())  # () = every style


LATIN_STYLES: dict[str, tuple[LatinStyle, ...]] = {
    "eu-de": (_eu("eu-de", ("D",)),),
    "eu-fr-it": (_eu("eu-fr", ("F",), dash=True), _eu("eu-it", ("I",))),
    "eu-es": (_eu("eu-es", ("E",)),),
    "eu-nl": (_eu("eu-nl", ("NL",), dash=True, colours=((_EU_YELLOW, _INK),), char=(48.0, 75.0), gap=7.0),),
    "eu-pl": (_eu("eu-pl", ("PL",), spaces=(2,)), _eu("eu-pl3", ("PL",), spaces=(3,))),
    "eu-hr-rs": (_eu("eu-hr", ("HR",), dash=True), _eu("eu-rs", ("SRB", "BIH", "MNE", "SLO"))),
    "uk": _UK_LOOKS,
    "us": _US_LOOKS,
    "br": (_BR_LOOK,),
    "br-old": (_BR_OLD_LOOK,),
    "latin-generic": tuple(_generic(lk) for lk in (
        _eu("eu", ("D", "F", "I", "E", "NL", "PL", "HR", "B", "A", "CH")), _UK_LOOKS[2], _US_LOOKS[0],
        _BR_LOOK, _BR_OLD_LOOK, replace(_UK_LOOKS[2], name="plain-space", spaces="class"))),
}

# US state names and slogans (the header and footer lines), Brazilian city/state bands: data for the looks
US_STATES = ("CALIFORNIA", "TEXAS", "NEW YORK", "FLORIDA", "OHIO", "ARIZONA", "NEVADA", "OREGON", "GEORGIA",
             "ILLINOIS", "MICHIGAN", "VIRGINIA", "COLORADO", "WASHINGTON", "PENNSYLVANIA", "UTAH", "MAINE")
US_SLOGANS = ("SUNSHINE STATE", "EMPIRE STATE", "THE LONE STAR STATE", "LAND OF LINCOLN", "GRAND CANYON STATE",
              "LIVE FREE OR DIE", "GREAT LAKES STATE", "THE GOLDEN STATE", "PEACH STATE", "BEEHIVE STATE",
              "VACATIONLAND", "EVERGREEN STATE", "DMV CA GOV", "VISIT PA COM", "")
BR_CITIES = ("SAO PAULO - SP", "RIO DE JANEIRO - RJ", "CURITIBA - PR", "BELO HORIZONTE - MG", "SALVADOR - BA",
             "PORTO ALEGRE - RS", "RECIFE - PE", "CAMPINAS - SP", "GOIANIA - GO", "MANAUS - AM")


def plate_size_mm(fmt: str) -> tuple[float, float]:
    """Nominal plate size of a format (a Latin format: its first look; latin-generic looks vary)."""
    return LATIN_STYLES[fmt][0].size_mm if fmt in LATIN_STYLES else LAYOUTS[fmt].size_mm
