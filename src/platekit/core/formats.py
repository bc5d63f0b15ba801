"""Plate formats as data: per-position character sets, validation, format guessing.

numpy-free and torch-free: everything here is plain Python so any layer can use it.
A *format* is one plate layout (``cn-blue``, ``ru``, ``eu-de``); a *region* groups the formats one
recognizer reads (``cn`` reads blue, green and yellow plates, ``latin`` every Latin-alphabet plate) and fixes the slot count,
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


# --- Latin-alphabet plates (Europe, UK, USA, Brazil, generic) -------------------------------------
# Formats are listed most specific first: guess_format reports the first that fits (eu-pl and
# us have alphanumeric positions and would swallow uk / br texts). Texts are stored and compared without spaces or dashes ("AB-123-CD" -> "AB123CD"). A spec string
# spells one pattern with L (A-Z), D (0-9), A (A-Z or 0-9) and C (the 20 consonants of Spanish plates);
# a format lists its specs separated by spaces. Where each rule comes from, and what is approximate:
# - eu-de: Germany (FZV): district code 1-3 letters, 1-2 letters, 1-4 digits, at most 8 characters
#   (the E/H suffixes of electric and historic cars are not modelled). Letters are A-Z (umlauts of a
#   few district codes are not modelled).
# - eu-fr-it: France SIV (since 2009) and Italy (since 1994): AB-123-CD / AB 123CD. Both leave out some
#   letters (I, O, U; Italy also Q) in the letter positions; the format allows A-Z (approximate).
# - eu-es: Spain (since 2000): 4 digits + 3 consonants (no vowels, no Ñ, Q) -- exact.
# - eu-nl: the Netherlands, sidecodes 7-11 and 13 (2008-): 6 characters in letter/digit groups -- exact
#   in shape, the letters actually used (no vowels, no C/Q in most sidecodes) are not modelled.
# - eu-pl: Poland (2000-): 2-letter district + 5 alphanumerics or 3-letter district + 4 or 5
#   alphanumerics -- approximate (the real rules restrict where letters may stand).
# - eu-hr-rs: Croatia/Serbia/Balkan style: 2-letter city + 3-4 digits + 1-2 letters (ZG1234AB, BG123AB)
#   -- approximate.
# - uk: Great Britain (2001-): 2 letters (area), 2 digits (age), 3 letters -- exact in shape (I, Q and
#   Z are rare or unused in places; not modelled).
# - us: USA state plates -- approximations: a handful of common serial shapes (California 1ABC234,
#   Texas / New York / Pennsylvania / Ohio ABC1234, ...) and 5-7 alphanumerics for vanity-like plates.
# - br: Brazil Mercosul (2018-): ABC1D23 -- exact. br-old: the older grey plates ABC-1234 -- exact.
# - latin-generic: 2-10 alphanumerics, the fallback for every other Latin plate.
LATIN_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LATIN_DIGITS = "0123456789"
LATIN_ALNUM = LATIN_DIGITS + LATIN_LETTERS
ES_CONSONANTS = "BCDFGHJKLMNPRSTVWXYZ"
_LATIN_SPEC = {"L": LATIN_LETTERS, "D": LATIN_DIGITS, "A": LATIN_ALNUM, "C": ES_CONSONANTS}


def _latin(name: str, specs: str, description: str) -> PlateFormat:
    """A Latin plate format from space-separated spec strings (L, D, A, C per position); repeated
    specs are kept once."""
    pats = tuple(dict.fromkeys(tuple(_LATIN_SPEC[c] for c in spec) for spec in specs.split()))
    return PlateFormat(name, "latin", pats, description)


_DE_SPECS = " ".join(dict.fromkeys("L" * (a + b) + "D" * c for a in (1, 2, 3) for b in (1, 2) for c in (1, 2, 3, 4)
                                   if a + b + c <= 8))
LATIN_TYPES = (
    ("eu-de", _DE_SPECS, "Germany: district (1-3 letters), 1-2 letters, 1-4 digits, at most 8 (MAB1234)"),
    ("eu-fr-it", "LLDDDLL", "France SIV and Italy: 2 letters, 3 digits, 2 letters (AB123CD)"),
    ("eu-es", "DDDDCCC", "Spain: 4 digits, 3 consonants (1234BCD)"),
    ("eu-nl", "DLLLDD DDLLLD LDDDLL LLDDDL LLLDDL DLLDDD",
     "Netherlands sidecodes 7-11, 13: 6 characters (1ABC23, AB123C, ...)"),
    ("uk", "LLDDLLL", "Great Britain (2001-): 2 letters, 2 digits, 3 letters (AB12CDE)"),
    ("br", "LLLDLDD", "Brazil Mercosul: ABC1D23"),
    ("br-old", "LLLDDDD", "Brazil, older grey plates: ABC1234"),
    ("eu-hr-rs", "LLDDDL LLDDDLL LLDDDDL LLDDDDLL",
     "Croatia/Serbia/Balkans (approximate): 2 letters, 3-4 digits, 1-2 letters (ZG1234AB)"),
    ("eu-pl", "LLAAAAA LLLAAAA LLLAAAAA", "Poland (approximate): 2-3 letter district + 4-5 alphanumerics"),
    ("us", "DLLLDDD LLLDDDD LLLDDD DDDLLL DLLDDD LLDDDDD DDDDDD DDDLDDD LLLLDDD AAAAA AAAAAA AAAAAAA",
     "USA state plates (approximate): common serial shapes (1ABC234, ABC1234, ...) and 5-7 alphanumerics"),
    ("latin-generic", " ".join("A" * n for n in range(2, 11)), "Any Latin plate: 2-10 alphanumerics (fallback)"),
)
_LATIN_ALL = tuple(_latin(*t) for t in LATIN_TYPES)

FORMATS: dict[str, PlateFormat] = {f.name: f for f in (_CN_BLUE, _CN_GREEN, _CN_YELLOW) + _RU_ALL + _LATIN_ALL}

REGIONS: dict[str, Region] = {
    "cn": Region("cn", (_CN_BLUE, _CN_GREEN, _CN_YELLOW), CN_PROVINCES + CN_ALNUM, "_", 8),
    "ru": Region("ru", _RU_ALL, RU_ALPHABET, "-", 9),
    "latin": Region("latin", _LATIN_ALL, LATIN_ALNUM, "_", 10),
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
