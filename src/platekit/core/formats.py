"""Plate formats as data: per-position character sets, validation, format guessing.

numpy-free and torch-free: everything here is plain Python so any layer can use it.
A *format* is one plate layout (``cn-blue``, ``ru``, ``eu-de``); a *region* groups the formats one
recognizer reads (``cn`` every Chinese plate type, ``latin`` every Latin-alphabet plate) and fixes the slot count,
alphabet and pad character of that recognizer.

Chinese plate types (issue 14). ``CN_TYPES`` lists every Chinese plate type the toolkit knows (GA 36-2018:
blue, new-energy green small and large, yellow single- and two-row, learner, trailer, police, embassy,
consulate, Hong Kong / Macau cross-border, emergency), with their colours, rows and size in
``CN_TYPE_INFO``. ``REGIONS["cn"]`` reads all of them: its alphabet is ``CN_PROVINCES + CN_ALNUM +
CN_SPECIAL`` (学 挂 警 使 领 港 澳 应 急 appended in session 14, so the classes of older readers keep their
ids). A recognizer file carries its own alphabet in its sidecar; ``Region.for_alphabet`` narrows the region
to it (a reader trained on the first 65 classes gets blue, green, green-large, yellow and yellow-2row as its
formats and decodes exactly as before), and ``guess_type`` (the reported plate type) always knows every type.
Blue and yellow plates share their characters: a 7-character text of the ``cn`` alphabet is reported
as ``cn-blue`` (the colour is not in the text); two-row plates are read as one text, top row first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

# --- CCPD tables (index -> character); "O" is CCPD's "no character" placeholder -------------
CCPD_PROVINCES = list("皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新警学") + ["O"]
CCPD_ALPHABETS = list("ABCDEFGHJKLMNPQRSTUVWXYZ") + ["O"]
CCPD_ADS = list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") + ["O"]

CN_PROVINCES = "皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新"  # 31 provinces
CN_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O never appear on Chinese plates
CN_DIGITS = "0123456789"
CN_ALNUM = CN_LETTERS + CN_DIGITS
# the characters of the special Chinese types (learner, trailer, police, embassy, consulate, Hong Kong, Macau,
# emergency): the cn alphabet's tail since session 14; readers trained before read only the first 65 classes
CN_SPECIAL = "学挂警使领港澳应急"

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
    # synthetic texts: share of digits at positions that allow letters and digits (None: uniform over
    # the position's characters, as every format had before the Chinese special types)
    digit_share: float | None = None
    # synthetic texts: real codes the text may end with (Russian region codes), drawn with this share (the
    # rest stay uniform); validation does not need them
    tail_codes: tuple[str, ...] = ()
    tail_share: float = 0.0

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
    # every plate type of the region, for type reporting (``guess_type``); () = the same as ``formats``.
    # A narrowed region (``for_alphabet``: an older reader) keeps every type here, also those it cannot spell.
    types: tuple[PlateFormat, ...] = ()
    # CTC readers of the region: the weight of the plate-text prior in greedy decoding (core.ctc_decode.ctc_decode_prior:
    # 1 = the prior as it is; None: off). Checked on our own validation (docs/reading.md "The plate-text prior").
    text_prior: float | None = None
    # the text prior's weight of each format against the others, (name, share) pairs; an unlisted format and the
    # open fallback weigh 1. The prior is uniform over each format's strings, so a rare format with few strings
    # (the embassy's six digits and 使) would claim any reading near it at weight 1: rare types get their rarity.
    prior_shares: tuple[tuple[str, float], ...] = ()

    def slot_patterns(self) -> list[tuple[PlateFormat, tuple[str, ...]]]:
        """Every distinct pattern of every format, padded to ``n_slots`` with the pad character."""
        out, seen = [], set()
        for f in self.formats:
            for p in f.patterns:
                if tuple(p) not in seen:  # the same characters in two layouts (ru, ru-square): the first
                    seen.add(tuple(p))
                    out.append((f, tuple(p) + (self.pad,) * (self.n_slots - len(p))))
        return out

    def for_alphabet(self, alphabet: str) -> Region:
        """This region as a reader with ``alphabet`` reads it: that alphabet, and only the formats whose characters
        it holds (a reader's sidecar alphabet may be an older, shorter one: cn readers before session 14)."""
        if alphabet == self.alphabet:
            return self
        keep = tuple(f for f in self.formats if set(f.alphabet()) <= set(alphabet))
        return replace(self, alphabet=alphabet, formats=keep, types=self.types or self.formats)

    def guess_format(self, text: str) -> PlateFormat | None:
        """The first of the recognizer's formats (``formats``) the text fits, or None."""
        t = normalize_text(text, self.name)
        for f in self.formats:
            if f.validate(t):
                return f
        return None

    def guess_type(self, text: str, colour: str | None = None) -> PlateFormat | None:
        """The first of the region's plate types (``types``, else ``formats``) the text fits, or None. ``colour``
        (the plate's background colour, seen in its pixels): the first fitting type of that colour
        (``CN_TYPE_INFO``: a 7-character text on a yellow plate is ``cn-yellow``), else the first fitting type."""
        t = normalize_text(text, self.name)
        fits = [f for f in self.types or self.formats if f.validate(t)]
        if colour is not None:
            for f in fits:
                info = CN_TYPE_INFO.get(f.name)
                if info is not None and info.plate_colour == colour:
                    return f
        return fits[0] if fits else None


@dataclass(frozen=True)
class CnTypeInfo:
    """How a Chinese plate type looks (what the text cannot tell): colours in words, rows, size."""

    colours: str  # "plate/characters", special character colour after a comma
    rows: int  # 1, or 2 (read as one text, top row first)
    size_mm: tuple[int, int]  # width, height
    source: str  # where the rule comes from and what is approximate
    # two-row plates: each row's box (x0, y0, x1, y1) in fractions of the plate, top row first; a one-line
    # reader reads them side by side (core.geometry.stitch_rows), the Reader when a plate's corners are this squat
    row_boxes: tuple[tuple[float, float, float, float], ...] = ()

    @property
    def plate_colour(self) -> str:
        """The plate's background colour as one word (blue, green, yellow, white, black): the first colour of
        ``colours``; the large new-energy plate's yellow-green split counts as green (new energy)."""
        word = self.colours.split("/")[0].split()[0]
        return "green" if word == "yellow-green" else word


# Chinese plate types as data: (name, spec, digit_share, description, CnTypeInfo). A spec spells one
# pattern per space-separated word: P province, L letter (no I/O), A letter or digit, D digit, F the
# new-energy D/F, any other character literally. Listed in reporting order (guess_type: first fit).
# Rules from GA 36-2018 (new-energy: small car P L D|F A DDDD, large vehicle P L DDDDD D|F -- D pure
# electric, F other new energy); the serial digit shares, the emergency plate's characters and colours
# and the embassy plates' two layouts are approximations (see docs/synth.md).
_CN_SPEC = {"P": CN_PROVINCES, "L": CN_LETTERS, "A": CN_ALNUM, "D": CN_DIGITS, "F": "DF"}
_GA36 = "GA 36-2018"
# the two-row yellow plate's rows (synth.layouts: province + letter 60 mm tall at y 15-75 mm, x 115-325 mm; the
# five characters 110 mm tall at y 95-205 mm, x 27.5-412.5 mm, on 440 x 220 mm), each grown by a few mm
_CN_2ROW_BOXES = ((0.22, 0.02, 0.78, 0.38), (0.03, 0.40, 0.97, 0.96))
CN_TYPE_TABLE = (
    ("cn-blue", "PLAAAAA", None, "China blue plate (small cars): province, letter, 5 alphanumerics (white on blue)",
     CnTypeInfo("blue/white", 1, (440, 140), _GA36)),
    ("cn-green", "PLFADDDD", 0.8, "China new-energy small car: province, letter, D|F (D pure electric, F hybrid), "
     "alphanumeric, 4 digits (皖AD12345)", CnTypeInfo("green gradient/black", 1, (480, 140), _GA36)),
    ("cn-green-large", "PLDDDDDF", None, "China new-energy large vehicle: province, letter, 5 digits, D|F (皖A12345D)",
     CnTypeInfo("yellow-green split/black", 1, (480, 140), _GA36 + "; split position approximate")),
    ("cn-yellow", "PLAAAAA", None, "China yellow plate, single row (front of large vehicles): province, letter, "
     "5 alphanumerics", CnTypeInfo("yellow/black", 1, (440, 140), _GA36)),
    ("cn-yellow-2row", "PLAAAAA", None, "China yellow two-row plate (rear of trucks and buses): province and "
     "letter on top, 5 alphanumerics below; read as one text", CnTypeInfo("yellow/black", 2, (440, 220),
                                                                         _GA36 + "; row sizes approximate",
                                                                         _CN_2ROW_BOXES)),
    ("cn-learner", "PLAAAA学", 0.8, "China learner (driving school) plate: province, letter, 4 alphanumerics, 学",
     CnTypeInfo("yellow/black", 1, (440, 140), _GA36)),
    ("cn-trailer", "PLAAAA挂", 0.8, "China trailer plate: province, letter, 4 alphanumerics, 挂",
     CnTypeInfo("yellow/black", 1, (440, 140), _GA36)),
    ("cn-police", "PLAAAA警", 0.9, "China police plate: province, letter, 4 alphanumerics (mostly digits), red 警",
     CnTypeInfo("white/black, 警 red", 1, (440, 140), _GA36)),
    ("cn-embassy", "使DDDDDD DDDDDD使", None, "China embassy plate: 使 and 6 digits (3-digit country code, "
     "3-digit serial); 使 first on the plates seen (使196013), last on some older ones (approximate)",
     CnTypeInfo("black/white, 使 red", 1, (440, 140), "approximate: the layout and the 使 position")),
    ("cn-consulate", "PLAAAA领", 0.9, "China consulate plate: province, letter, 4 alphanumerics (mostly digits), "
     "red 领 (沪A1234领)", CnTypeInfo("black/white, 领 red", 1, (440, 140), "approximate: the serial's characters")),
    ("cn-hk", "粤ZAAAA港", 0.7, "Hong Kong cross-border plate (Guangdong): 粤Z, 4 alphanumerics, 港",
     CnTypeInfo("black/white", 1, (440, 140), _GA36)),
    ("cn-macau", "粤ZAAAA澳", 0.7, "Macau cross-border plate (Guangdong): 粤Z, 4 alphanumerics, 澳",
     CnTypeInfo("black/white", 1, (440, 140), _GA36)),
    ("cn-emergency", "PLAAAA应急", 0.9, "China emergency-rescue plate (approximate): province, letter, "
     "4 alphanumerics, 应急 (8 characters)", CnTypeInfo("white/black, 应急 red", 1, (440, 140),
                                                        "approximate: characters, colours and layout not confirmed")),
)


def _cn(name: str, specs: str, digit_share: float | None, description: str) -> PlateFormat:
    pats = tuple(tuple(_CN_SPEC.get(c, c) for c in spec) for spec in specs.split())
    return PlateFormat(name, "cn", pats, description, digit_share)


CN_TYPES: tuple[PlateFormat, ...] = tuple(_cn(*t[:4]) for t in CN_TYPE_TABLE)
CN_TYPE_INFO: dict[str, CnTypeInfo] = {t[0]: t[4] for t in CN_TYPE_TABLE}


def cn_types_by_colour() -> dict[str, list[str]]:
    """plate colour -> the Chinese types of that colour, in ``CN_TYPE_TABLE`` order (blue first)."""
    out: dict[str, list[str]] = {}
    for name, info in CN_TYPE_INFO.items():
        out.setdefault(info.plate_colour, []).append(name)
    return out


@dataclass(frozen=True)
class RowLayout:
    """A plate type a one-line reader reads by putting its rows side by side (core.geometry.stitch_rows)."""

    name: str  # the plate type reported for such a reading
    aspect: float  # plate width / height
    row_boxes: tuple[tuple[float, float, float, float], ...]


def row_layouts(region: str | None) -> tuple[RowLayout, ...]:
    """The multi-row plate types of a region that are read by stitching their rows (cn: the two-row yellow)."""
    if region != "cn":
        return ()
    return tuple(RowLayout(name, info.size_mm[0] / info.size_mm[1], info.row_boxes)
                 for name, info in CN_TYPE_INFO.items() if info.row_boxes)


# the text prior's share of a Chinese type against the others (unlisted: 1, as every format before session 14).
# The embassy plate (two layouts of six digits and 使, 10^6 strings each): at share 1 one of its strings weighs ~1.7 x
# 10^4 times a blue plate's, and with a picture that leaves 使 slightly open it claims a blue reading (tests/
# test_cn_types.py); at 0.001 ~17 times. Set from that construction (own synthetic embassy crops: 74.4 % against 76.4 %
# at share 1). The other rare types stay at 1: shares of 0.01-0.001 let the prior turn their last character into a
# blue plate's (consulate 1.8 % shown right against 64.2 % at share 1; docs/recognizers.md "Session 14").
CN_PRIOR_SHARES = {"cn-embassy": 0.001}

# what a cn recognizer reads: every type (blue first: a 7-character text of provinces, letters and digits is
# reported as blue; the colour is not in the text)
_CN_READ = CN_TYPES


# Russian region codes (the last 2-3 characters of every plate): the 2-digit codes of the federal subjects
# (01-99; 80, 81, 84, 85 and 88 are codes of merged subjects, still on old plates) and the 3-digit codes issued
# once a region's 2-digit series ran out: 1xx and 7xx for most, and Moscow's 7xx / 1xx / 977. From the MVD's
# list as generally published; the 3-digit list may miss a few newer codes (uniform digits cover the rest).
RU_REGION_CODES = tuple(f"{i:02d}" for i in range(1, 100)) + (
    "102", "113", "116", "121", "122", "123", "124", "125", "126", "134", "136", "138", "142", "147", "150", "152",
    "154", "156", "159", "161", "163", "164", "173", "174", "177", "178", "180", "181", "186", "190", "193", "196",
    "197", "198", "199", "277", "299", "702", "716", "725", "750", "761", "763", "774", "777", "790", "797", "799",
    "977")


def _ru_type(name: str, main: str, description: str) -> PlateFormat:
    """A Russian plate type: ``main`` spelled with L (one of the 12 letters) and D (a digit), then the
    region code of 2 or 3 digits (synthetic texts: a real code on 70 % of plates, half of them 3-digit)."""
    cs = tuple(RU_LETTERS if c == "L" else RU_DIGITS for c in main)
    return PlateFormat(name, "ru", (cs + (RU_DIGITS,) * 2, cs + (RU_DIGITS,) * 3), description,
                       tail_codes=RU_REGION_CODES, tail_share=0.7)


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
# spells one pattern with L (A-Z), D (0-9), A (A-Z or 0-9) and C (the 20 consonants of Spanish plates),
# and the national letter rules: U (A-Z without I, O, Q: US serials), X (0-9 or U), K (A-Z without I, Q:
# UK), F (A-Z without I, O, Q, U: France and Italy), N (the 16 consonants of Dutch sidecodes), P (0-9 or A-Z
# without B, D, I, O, Z: the Polish serial); a format lists its specs separated by spaces. The letter rules
# matter to a reader: on most plates a bare vertical stroke is a 1 and a ring a 0, because the letters
# that look like them are not issued (issue 16: 1 -> I was the commonest Latin misreading). Where each rule comes from, and what is approximate:
# - eu-de: Germany (FZV): district code 1-3 letters, 1-2 letters, 1-4 digits, at most 8 characters
#   (the E/H suffixes of electric and historic cars are not modelled). Letters are A-Z (umlauts of a
#   few district codes are not modelled).
# - eu-fr-it: France SIV (since 2009) and Italy (since 1994): AB-123-CD / AB 123CD. France leaves out
#   I, O and U, Italy I, O, Q and U: the format allows the letters both use (F; Q, which France does
#   issue, is left out: approximate).
# - eu-es: Spain (since 2000): 4 digits + 3 consonants (no vowels, no Ñ, Q) -- exact.
# - eu-nl: the Netherlands, sidecodes 7-11 and 13 (2008-): 6 characters in letter/digit groups -- exact
#   in shape; letters B D F G H J K L N P R S T V X Z (no vowels, no C, M, Q, W: approximate, M and W
#   appear on a few older series).
# - eu-pl: Poland (2000-): 2-letter district + 5 alphanumerics or 3-letter district + 4 or 5
#   alphanumerics, the serial without B, D, I, O, Z (they look like 8, 0, 1, 0, 2) -- approximate
#   (the real rules also restrict where letters may stand).
# - eu-hr-rs: Croatia/Serbia/Balkan style: 2-letter city + 3-4 digits + 1-2 letters (ZG1234AB, BG123AB)
#   -- approximate.
# - uk: Great Britain (2001-): 2 letters (area), 2 digits (age), 3 letters, without I and Q (Z, used
#   only in the random letters, is allowed everywhere: approximate).
# - us: USA state plates -- approximations: a handful of common serial shapes (California 1ABC234,
#   Texas / New York / Pennsylvania / Ohio ABC1234, ...) and 5-7 alphanumerics, all without the letters
#   I, O and Q, which most states leave out of their serials (vanity plates, which may use them, are
#   not modelled).
# - br: Brazil Mercosul (2018-): ABC1D23 -- exact. br-old: the older grey plates ABC-1234 -- exact.
# - latin-generic: 2-10 alphanumerics, the fallback for every other Latin plate.
LATIN_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LATIN_DIGITS = "0123456789"
LATIN_ALNUM = LATIN_DIGITS + LATIN_LETTERS
ES_CONSONANTS = "BCDFGHJKLMNPRSTVWXYZ"
US_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q
_LATIN_SPEC = {
    "L": LATIN_LETTERS, "D": LATIN_DIGITS, "A": LATIN_ALNUM, "C": ES_CONSONANTS,
    "U": US_LETTERS, "X": LATIN_DIGITS + US_LETTERS,
    "K": "ABCDEFGHJKLMNOPRSTUVWXYZ",  # UK: no I, Q
    "F": "ABCDEFGHJKLMNPRSTVWXYZ",  # France / Italy: no I, O, Q, U
    "N": "BDFGHJKLNPRSTVXZ",  # Netherlands sidecodes
    "P": LATIN_DIGITS + "ACEFGHJKLMNPQRSTUVWXY",  # Polish serial: no B, D, I, O, Z
}


def _latin(name: str, specs: str, description: str) -> PlateFormat:
    """A Latin plate format from space-separated spec strings (one of L, D, A, C, U, X, K, F, N, P per
    position, see ``_LATIN_SPEC``); repeated specs are kept once."""
    pats = tuple(dict.fromkeys(tuple(_LATIN_SPEC[c] for c in spec) for spec in specs.split()))
    return PlateFormat(name, "latin", pats, description)


_DE_SPECS = " ".join(dict.fromkeys("L" * (a + b) + "D" * c for a in (1, 2, 3) for b in (1, 2) for c in (1, 2, 3, 4)
                                   if a + b + c <= 8))
LATIN_TYPES = (
    ("eu-de", _DE_SPECS, "Germany: district (1-3 letters), 1-2 letters, 1-4 digits, at most 8 (MAB1234)"),
    ("eu-fr-it", "FFDDDFF", "France SIV and Italy: 2 letters, 3 digits, 2 letters (AB123CD)"),
    ("eu-es", "DDDDCCC", "Spain: 4 digits, 3 consonants (1234BCD)"),
    ("eu-nl", "DNNNDD DDNNND NDDDNN NNDDDN NNNDDN DNNDDD",
     "Netherlands sidecodes 7-11, 13: 6 characters (1ABC23, AB123C, ...)"),
    ("uk", "KKDDKKK", "Great Britain (2001-): 2 letters, 2 digits, 3 letters (AB12CDE)"),
    ("br", "LLLDLDD", "Brazil Mercosul: ABC1D23"),
    ("br-old", "LLLDDDD", "Brazil, older grey plates: ABC1234"),
    ("eu-hr-rs", "LLDDDL LLDDDLL LLDDDDL LLDDDDLL",
     "Croatia/Serbia/Balkans (approximate): 2 letters, 3-4 digits, 1-2 letters (ZG1234AB)"),
    ("eu-pl", "LLPPPPP LLLPPPP LLLPPPPP", "Poland (approximate): 2-3 letter district + 4-5 alphanumerics"),
    ("us", "DUUUDDD UUUDDDD UUUDDD DDDUUU DUUDDD UUDDDDD DDDDDD DDDUDDD UUUUDDD XXXXX XXXXXX XXXXXXX",
     "USA state plates (approximate): common serial shapes (1ABC234, ABC1234, ...) and 5-7 alphanumerics,"
     " without I, O, Q"),
    ("latin-generic", " ".join("A" * n for n in range(2, 11)), "Any Latin plate: 2-10 alphanumerics (fallback)"),
)
_LATIN_ALL = tuple(_latin(*t) for t in LATIN_TYPES)

FORMATS: dict[str, PlateFormat] = {f.name: f for f in CN_TYPES + _RU_ALL + _LATIN_ALL}

REGIONS: dict[str, Region] = {
    "cn": Region("cn", _CN_READ, CN_PROVINCES + CN_ALNUM + CN_SPECIAL, "_", 8, CN_TYPES, text_prior=1.0,
                 prior_shares=tuple(CN_PRIOR_SHARES.items())),
    "ru": Region("ru", _RU_ALL, RU_ALPHABET, "-", 9),
    "latin": Region("latin", _LATIN_ALL, LATIN_ALNUM, "_", 10, text_prior=1.0),
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
    """The first plate type whose pattern the text fits (after normalisation), or None: regions in
    order cn, ru, latin, each region's ``types`` (cn: every Chinese type, 学 挂 警 ... included).

    Blue and yellow plates share a layout; a 7-character Chinese text is reported as ``cn-blue``.
    """
    for region in REGIONS.values():
        f = region.guess_type(text)
        if f is not None:
            return f
    return None
