"""CCPD filename parsing: every label of a CCPD scene lives in its file name.

``025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg``
area - tilt(h_v) - bbox(lt_rb) - corners(rb, lb, lt, rt) - indices - brightness - blur
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from platekit.core.formats import CCPD_ADS, CCPD_ALPHABETS, CCPD_PROVINCES, REGIONS


class CCPDParseError(ValueError):
    pass


@dataclass(frozen=True)
class CCPDRecord:
    path: str
    area: float  # plate area / image area, percent
    tilt: tuple[int, int]  # horizontal, vertical degrees
    box: tuple[int, int, int, int]  # x1, y1, x2, y2
    corners: tuple[tuple[int, int], ...]  # canonical order: lt, rt, rb, lb
    indices: tuple[int, ...]
    text: str
    brightness: int
    blur: int

    @property
    def format(self) -> str:
        """The plate type of the text (cn-blue, cn-green, cn-green-large); 8 characters that fit no
        new-energy rule: cn-green, as before."""
        f = REGIONS["cn"].guess_type(self.text)
        return f.name if f is not None else ("cn-green" if len(self.text) == 8 else "cn-blue")

    def corners_array(self) -> np.ndarray:
        return np.asarray(self.corners, dtype=np.float32)


def _pt(s: str, name: str, field: str) -> tuple[int, int]:
    xy = s.split("&")
    if len(xy) != 2:
        raise CCPDParseError(f"{name}: {field} point {s!r} is not 'x&y'")
    try:
        return int(xy[0]), int(xy[1])
    except ValueError:
        raise CCPDParseError(f"{name}: {field} point {s!r} is not integer 'x&y'") from None


def indices_to_text(indices: list[int] | tuple[int, ...]) -> str:
    if len(indices) not in (7, 8):
        raise ValueError(f"CCPD plates have 7 or 8 indices, got {len(indices)}")
    chars = [CCPD_PROVINCES[indices[0]], CCPD_ALPHABETS[indices[1]]] + [CCPD_ADS[i] for i in indices[2:]]
    if "O" in chars:
        raise ValueError("index points at the 'O' no-character placeholder")
    return "".join(chars)


def parse_ccpd_name(path: str) -> CCPDRecord:
    """Parse a CCPD file name (directories ignored) into a :class:`CCPDRecord`."""
    name = os.path.basename(path)
    stem = name.rsplit(".", 1)[0]
    fields = stem.split("-")
    if len(fields) != 7:
        raise CCPDParseError(f"{name}: expected 7 '-'-separated CCPD fields, got {len(fields)}")
    area_s, tilt_s, box_s, corners_s, idx_s, bright_s, blur_s = fields
    try:
        area = float(area_s)
        th, tv = (int(v) for v in tilt_s.split("_"))
        brightness, blur = int(bright_s), int(blur_s)
        indices = tuple(int(v) for v in idx_s.split("_"))
    except ValueError:
        raise CCPDParseError(f"{name}: non-numeric area/tilt/indices/brightness/blur field") from None
    box_pts = box_s.split("_")
    if len(box_pts) != 2:
        raise CCPDParseError(f"{name}: bounding box {box_s!r} is not 'x1&y1_x2&y2'")
    (x1, y1), (x2, y2) = (_pt(p, name, "bbox") for p in box_pts)
    c = corners_s.split("_")
    if len(c) != 4:
        raise CCPDParseError(f"{name}: expected 4 corners, got {len(c)}")
    rb, lb, lt, rt = (_pt(p, name, "corner") for p in c)
    try:
        if any(i < 0 for i in indices):
            raise IndexError
        text = indices_to_text(indices)
    except (IndexError, ValueError) as e:
        raise CCPDParseError(f"{name}: bad plate indices {idx_s!r} ({e or 'out of range'})") from None
    if x2 <= x1 or y2 <= y1:
        raise CCPDParseError(f"{name}: empty bounding box {box_s!r}")
    return CCPDRecord(path, area, (th, tv), (x1, y1, x2, y2), (lt, rt, rb, lb), indices, text, brightness, blur)


def is_ccpd_name(path: str) -> bool:
    try:
        parse_ccpd_name(path)
        return True
    except CCPDParseError:
        return False
