"""Locate fonts installed by the project's setup (Debian fonts-wqy-microhei, fonts-dejavu-core, fonts-opendin,
fonts-noto-cjk, fonts-urw-base35, fonts-roboto-unhinted)."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from platekit.core.formats import CN_PROVINCES
from platekit.errors import PlatekitError

_SEARCH = ["/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.fonts"), "/Library/Fonts"]
_CANDIDATES = {
    "cjk": ["wqy-microhei.ttc", "wqy-zenhei.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"],
    "latin": ["DejaVuSansCondensed-Bold.ttf", "DejaVuSans-Bold.ttf", "LiberationSansNarrow-Bold.ttf"],
    "mono": ["DejaVuSansMono-Bold.ttf", "DejaVuSansMono.ttf"],
    "din": ["OSP-DIN.ttf"],  # Debian fonts-opendin: a narrow DIN face, the closest to the Chinese plate font
    "cjk-bold": ["NotoSansCJK-Bold.ttc"],  # Debian fonts-noto-cjk: as heavy as the plate's province glyphs
    # narrow grotesques, close to the plate font's proportions (Debian fonts-urw-base35 / fonts-liberation,
    # fonts-roboto-unhinted)
    "narrow": ["NimbusSansNarrow-Bold.otf", "LiberationSansNarrow-Bold.ttf"],
    "condensed": ["RobotoCondensed-Bold.ttf"],
}
# bundled with the package: the province characters, 警学港澳挂使领, ASCII and "·" (scripts/make_plate_font.py)
PLATE_FONT = Path(__file__).resolve().parents[1] / "fonts" / "plate-glyphs.ttf"
PLATE_GLYPHS = CN_PROVINCES + "警学港澳挂使领" + "".join(chr(c) for c in range(0x20, 0x7F)) + "·"


def label_font(text: str = "") -> str:
    """A font for labels (plate texts on drawings, contact sheets): the bundled plate font when it has
    every character of ``text``, else an installed CJK font, else the bundled one anyway."""
    if all(c in PLATE_GLYPHS for c in text):
        return str(PLATE_FONT)
    try:
        return find_font("cjk")
    except PlatekitError:
        return str(PLATE_FONT)


# face index inside a font collection: Noto Sans CJK .ttc files hold JP, KR, SC, TC, HK; SC is index 2
TTC_INDEX = {"NotoSansCJK-Bold.ttc": 2, "NotoSansCJK-Regular.ttc": 2}


def find_font(kind: str = "cjk") -> str:
    """Path of an installed font of ``kind`` (a key of ``_CANDIDATES``); PlatekitError if none."""
    env_name = f"PLATEKIT_FONT_{kind.upper().replace('-', '_')}"
    env = os.environ.get(env_name)
    if env and os.path.isfile(env):
        return env
    for name in _CANDIDATES[kind]:
        for root in _SEARCH:
            hits = glob.glob(os.path.join(root, "**", name), recursive=True)
            if hits:
                return sorted(hits)[0]
    raise PlatekitError(
        f"no {kind} font found; install one (Debian: apt-get install fonts-wqy-microhei fonts-dejavu-core) "
        f"or set {env_name}=/path/to/font"
    )
