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
        """Every pattern of every format, padded to ``n_slots`` with the pad character."""
        out = []
        for f in self.formats:
            for p in f.patterns:
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
_RU = PlateFormat(
    "ru", "ru",
    (
        (RU_LETTERS, RU_DIGITS, RU_DIGITS, RU_DIGITS, RU_LETTERS, RU_LETTERS, RU_DIGITS, RU_DIGITS),
        (RU_LETTERS, RU_DIGITS, RU_DIGITS, RU_DIGITS, RU_LETTERS, RU_LETTERS, RU_DIGITS, RU_DIGITS, RU_DIGITS),
    ),
    "Russia type 1: letter, 3 digits, 2 letters, 2-3 digit region",
)

FORMATS: dict[str, PlateFormat] = {f.name: f for f in (_CN_BLUE, _CN_GREEN, _CN_YELLOW, _RU)}

REGIONS: dict[str, Region] = {
    "cn": Region("cn", (_CN_BLUE, _CN_GREEN, _CN_YELLOW), CN_PROVINCES + CN_ALNUM, "_", 8),
    "ru": Region("ru", (_RU,), RU_ALPHABET, "-", 9),
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
