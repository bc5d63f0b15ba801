"""Frozen result types returned by every reader (Python API, CLI, HTTP service)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Detection:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in image pixels
    corners: tuple[tuple[float, float], ...] | None  # lt, rt, rb, lb in image pixels
    confidence: float


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float  # product of the character probabilities
    char_confidences: tuple[float, ...]
    format: str | None = None


@dataclass(frozen=True)
class Plate:
    text: str
    confidence: float
    char_confidences: tuple[float, ...]
    box: tuple[float, float, float, float]
    corners: tuple[tuple[float, float], ...]
    detection_confidence: float
    format: str | None = None  # kept for old clients: the region when the text fits one of its formats
    region: str | None = None  # the region of the recognizer that read it (cn, ru, latin)
    # the plate type the text fits (cn-blue, cn-green, cn-green-large, cn-learner, cn-police, cn-hk, ...,
    # ru, eu-de: core.formats.guess_format / Region.guess_type); None: fits none
    type: str | None = None
    # the plate's background colour seen in its pixels (blue, green, yellow, white, black: Chinese plates, the
    # shipped plate-colour classifier at its bar); None: not judged, or not sure
    colour: str | None = None

    @property
    def fits_format(self) -> bool:
        return self.type is not None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["box"] = [round(float(v), 1) for v in self.box]
        d["corners"] = [[round(float(x), 1), round(float(y), 1)] for x, y in self.corners]
        d["char_confidences"] = [round(float(v), 4) for v in self.char_confidences]
        d["confidence"] = round(float(self.confidence), 4)
        d["detection_confidence"] = round(float(self.detection_confidence), 4)
        return d


@dataclass(frozen=True)
class ImageResult:
    image: str
    width: int
    height: int
    ms: float
    plates: tuple[Plate, ...] = field(default_factory=tuple)
    unread: int = 0  # plates detected but not returned: empty reading or confidence below the threshold
    warnings: tuple[str, ...] = field(default_factory=tuple)  # damage that was decoded anyway
    # the boxes (x1, y1, x2, y2) of those unread plates: found, but no reader could read them well enough
    unread_boxes: tuple[tuple[float, float, float, float], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        d = {
            "image": self.image,
            "width": self.width,
            "height": self.height,
            "ms": round(self.ms, 2),
            "plates": [p.to_dict() for p in self.plates],
            "unread": self.unread,
        }
        if self.unread_boxes:  # only when a plate went unread: the usual record keeps its keys
            d["unread_boxes"] = [[round(float(v), 1) for v in b] for b in self.unread_boxes]
        if self.warnings:  # only for damaged files: the usual record keeps its keys
            d["warnings"] = list(self.warnings)
        return d


def json_line(record: dict) -> str:
    """One JSON record as a line that is valid UTF-8 whatever the file name.

    Python keeps a file-name byte that is not UTF-8 as a lone surrogate (0xFF -> U+DCFF), which no
    UTF-8 encoder accepts; it is written as the JSON escape ``\\udcff``, so the name is lossless:
    ``os.fsencode(json.loads(line)["image"])`` gives back the name's bytes.
    """
    return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(record, ensure_ascii=False))


def printable(text: str) -> str:
    """``text`` for a terminal: a non-UTF-8 file-name byte (U+DC80..U+DCFF) shown as ``\\xff``."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m[0]) - 0xDC00:02x}" if ord(m[0]) >= 0xDC80 else "?", text)
