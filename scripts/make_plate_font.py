"""Rebuild src/platekit/fonts/plate-glyphs.ttf: the glyphs plate texts need, cut from WenQuanYi Micro Hei.

So that drawings (``platekit.draw``, ``--save-vis``, the web page) show provinces on any machine,
even without a CJK font installed. Needs Debian's fonts-wqy-microhei and fontTools (a matplotlib dependency).

    python scripts/make_plate_font.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile

from platekit.core.fonts import PLATE_FONT
from platekit.core.fonts import PLATE_GLYPHS as GLYPHS

SOURCE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as f:
    f.write(GLYPHS)
    f.flush()
    subprocess.run([sys.executable, "-m", "fontTools.subset", SOURCE, "--font-number=0", f"--text-file={f.name}",
                    f"--output-file={PLATE_FONT}", "--layout-features=", "--no-hinting", "--desubroutinize"],
                   check=True)
print(f"wrote {PLATE_FONT} ({PLATE_FONT.stat().st_size:,} bytes, {len(GLYPHS)} characters)")
