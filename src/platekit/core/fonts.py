"""Locate fonts installed by the project's setup (Debian fonts-wqy-microhei, fonts-dejavu-core, fonts-opendin,
fonts-noto-cjk, fonts-urw-base35, fonts-roboto-unhinted)."""

from __future__ import annotations

import glob
import os

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
