"""Plate formats as data: per-position character sets, validation, format guessing.

numpy-free and torch-free: everything here is plain Python so any layer can use it.
A *format* is one plate layout (``cn-blue``, ``ru``); a *region* groups the formats one
recognizer reads (``cn`` reads blue, green and yellow plates) and fixes the slot count,
alphabet and pad character of that recognizer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# --- CCPD tables (index -> character); "O" is CCPD's "no character" placeholder -------------
CCPD_PROVINCES = list("皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新警学") + ["O"]
CCPD_ALPHABETS = list("ABCDEFGHJKLMNPQRSTUVWXYZ") + ["O"]
CCPD_ADS = list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") + ["O"]

CN_PROVINCES = "皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新"  # 31 provinces
CN_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O never appear on Chinese plates
CN_DIGITS = "0123456789"
CN_ALNUM = CN_LETTERS + CN_DIGITS

RU_ALPHABET = "1234567890ABEKMHOPCTYX"  # the 22 symbols of Russian plates (Latin lookalikes)
RU_LETTERS = "ABEKMHOPCTYX"
RU_DIGITS = "0123456789"
# Cyrillic lookalikes -> Latin
CYRILLIC_TO_LATIN = str.maketrans("АВЕКМНОРСТУХавекмнорстух", "ABEKMHOPCTYXABEKMHOPCTYX")


@dataclass(frozen=True)
class PlateFormat:
    """One plate layout: one or more patterns, each a tuple of per-position charsets."""

    name: str
    region: str
    patterns: tuple[tuple[str, ...], ...]
    description: str = ""

    @property
    def lengths(self) -> tuple[int, ...]:
        return tuple(sorted({len(p) for p in self.patterns}))

    @property
    def max_len(self) -> int:
        return max(self.lengths)

    def normalize(self, text: str) -> str:
        return normalize_text(text, self.region)

    def validate(self, text: str) -> bool:
        """True when ``text`` (already normalised) fits one of the patterns."""
        return any(
            len(text) == len(p) and all(c in allowed for c, allowed in zip(text, p, strict=True))
            for p in self.patterns
        )

    def alphabet(self) -> str:
        seen: dict[str, None] = {}
        for p in self.patterns:
            for allowed in p:
                for c in allowed:
                    seen[c] = None
        return "".join(seen)


@dataclass(frozen=True)
class Region:
    """What one recognizer reads: formats, the shared alphabet, slot count and pad character."""

    name: str
    formats: tuple[PlateFormat, ...]
    alphabet: str
    pad: str
    n_slots: int = field(default=0)

    def slot_patterns(self) -> list[tuple[PlateFormat, tuple[str, ...]]]:
        """Every distinct pattern of every format, padded to ``n_slots`` with the pad character."""
        out, seen = [], set()
        for f in self.formats:
            for p in f.patterns:
                if tuple(p) not in seen:  # the same characters in two layouts (ru, ru-square): the first
                    seen.add(tuple(p))
                    out.append((f, tuple(p) + (self.pad,) * (self.n_slots - len(p))))
        return out

    def guess_format(self, text: str) -> PlateFormat | None:
        t = normalize_text(text, self.name)
        for f in self.formats:
            if f.validate(t):
                return f
        return None


_CN_BLUE = PlateFormat(
    "cn-blue", "cn", ((CN_PROVINCES, CN_LETTERS) + (CN_ALNUM,) * 5,),
    "China blue plate: province, letter, 5 alphanumerics (white on blue)",
)
_CN_GREEN = PlateFormat(
    "cn-green", "cn", ((CN_PROVINCES, CN_LETTERS) + (CN_ALNUM,) * 6,),
    "China green new-energy plate: province, letter, 6 alphanumerics (black on green gradient)",
)
_CN_YELLOW = PlateFormat(
    "cn-yellow", "cn", ((CN_PROVINCES, CN_LETTERS) + (CN_ALNUM,) * 5,),
    "China yellow plate (large vehicles): province, letter, 5 alphanumerics (black on yellow)",
)


def _ru_type(name: str, main: str, description: str) -> PlateFormat:
    """A Russian plate type: ``main`` spelled with L (one of the 12 letters) and D (a digit), then the
    region code of 2 or 3 digits."""
    cs = tuple(RU_LETTERS if c == "L" else RU_DIGITS for c in main)
    return PlateFormat(name, "ru", (cs + (RU_DIGITS,) * 2, cs + (RU_DIGITS,) * 3), description)


# GOST R 50577 types as data: (format name, characters before the region code, description). All are
# read as one text (two-row plates: the top row, then the bottom row). Type 1 and type 1A have the same
# characters: a square 1A plate is reported as "ru" from its text alone (the generator knows its type),
# and a taxi with a 3-digit region has a trailer's characters with a 2-digit one (AB123 777 / AB1234 77:
# reported as the taxi). Transit plates' "TRANZIT" lettering is not drawn by the generator.
RU_TYPES = (
    ("ru", "LDDDLL", "Russia type 1 (private, 520x112 mm): letter, 3 digits, 2 letters, 2-3 digit region"),
    ("ru-taxi", "LLDDD", "Russia type 1B (taxi, bus; yellow): 2 letters, 3 digits, region"),
    ("ru-trailer", "LLDDDD", "Russia type 2 (trailer): 2 letters, 4 digits, region"),
    ("ru-police", "LDDDD", "Russia type 20 (police; white on blue): letter, 4 digits, region"),
    ("ru-transit", "LLDDDL", "Russia type 15 (transit): 2 letters, 3 digits, letter, region"),
    ("ru-moto", "DDDDLL", "Russia type 4 (motorcycle, square two-row): 4 digits / 2 letters + region"),
    ("ru-square", "LDDDLL", "Russia type 1A (square two-row, imported cars): letter + 3 digits / 2 letters + region"),
)
_RU_ALL = tuple(_ru_type(*t) for t in RU_TYPES)

FORMATS: dict[str, PlateFormat] = {f.name: f for f in (_CN_BLUE, _CN_GREEN, _CN_YELLOW) + _RU_ALL}

REGIONS: dict[str, Region] = {
    "cn": Region("cn", (_CN_BLUE, _CN_GREEN, _CN_YELLOW), CN_PROVINCES + CN_ALNUM, "_", 8),
    "ru": Region("ru", _RU_ALL, RU_ALPHABET, "-", 9),
}


def get_format(name: str) -> PlateFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown plate format {name!r}; known: {', '.join(FORMATS)}") from None


def get_region(name: str) -> Region:
    try:
        return REGIONS[name]
    except KeyError:
        raise ValueError(f"unknown region {name!r}; known: {', '.join(REGIONS)}") from None


_WS = re.compile(r"[\s·•.\-_]+")


def normalize_text(text: str, region: str | None = None) -> str:
    """Upper-case, strip separators/whitespace; for ``ru`` (or unknown) map Cyrillic to Latin."""
    t = _WS.sub("", text.strip()).upper()
    if region in (None, "ru"):
        t = t.upper().translate(CYRILLIC_TO_LATIN)
    return t


def guess_format(text: str) -> PlateFormat | None:
    """The first format whose pattern the text fits (after normalisation), or None.

    Blue and yellow plates share a layout; a 7-character Chinese text is reported as ``cn-blue``.
    """
    for region in REGIONS.values():
        f = region.guess_format(text)
        if f is not None:
            return f
    return None
