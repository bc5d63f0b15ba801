"""Image format and size from the file header, without decoding (the decompression-bomb guard).

``read_head(buf)`` knows every format platekit decodes (JPEG, PNG, BMP, GIF, WebP, TIFF, PNM). The
scans are bounded: a JPEG's markers are found with ``bytes.find`` (C speed, never a Python loop over
junk bytes) and at most ``MAX_JPEG_MARKERS`` segments are walked before the frame header.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

MAX_JPEG_MARKERS = 1000  # real files have < 50 segments before the frame header
FORMATS = ("JPEG", "PNG", "BMP", "GIF", "WebP", "TIFF", "PNM")

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, 0xD8, *range(0xD0, 0xD8)}  # TEM, SOI, RST0-7: no length field
_FILL = re.compile(rb"\xff*")
_PNM = re.compile(rb"P[1-6](?:\s|#[^\n]*\n)+(\d{1,10})(?:\s|#[^\n]*\n)+(\d{1,10})\s")


@dataclass(frozen=True)
class ImageHead:
    format: str
    width: int
    height: int
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def pixels(self) -> int:
        return self.width * self.height


def _jpeg(buf: bytes) -> ImageHead | None:
    i, junk = 2, 0
    for _ in range(MAX_JPEG_MARKERS):
        j = buf.find(b"\xff", i)
        if j < 0:
            return None
        junk += j - i
        k = _FILL.match(buf, j).end()  # skip fill bytes FF FF ...
        if k >= len(buf):
            return None
        marker = buf[k]
        if marker == 0x00:  # a stuffed FF 00 where a marker should be: junk, like libjpeg
            junk, i = junk + 2, k + 1
            continue
        if marker in _STANDALONE:
            i = k + 1
            continue
        if marker in _SOF:
            if k + 8 >= len(buf):
                return None
            h, w = struct.unpack(">HH", buf[k + 4 : k + 8])
            notes = (f"{junk} extraneous bytes before JPEG markers (damaged file, decoded anyway)",) if junk else ()
            return ImageHead("JPEG", w, h, notes)
        if marker in (0xDA, 0xD9):  # scan data or end before any frame header
            return None
        if k + 3 > len(buf):
            return None
        i = k + 1 + int.from_bytes(buf[k + 1 : k + 3], "big")
    return None


def _tiff(buf: bytes) -> ImageHead | None:
    end = "<" if buf[:2] == b"II" else ">"
    big = struct.unpack(end + "H", buf[2:4])[0] == 43  # BigTIFF
    try:
        if big:
            off = struct.unpack(end + "Q", buf[8:16])[0]
            n = struct.unpack(end + "Q", buf[off : off + 8])[0]
            base, size = off + 8, 20
        else:
            off = struct.unpack(end + "I", buf[4:8])[0]
            n = struct.unpack(end + "H", buf[off : off + 2])[0]
            base, size = off + 2, 12
        dims = {}
        for e in range(min(n, 4096)):
            p = base + e * size
            tag, typ = struct.unpack(end + "HH", buf[p : p + 4])
            if tag in (256, 257):  # ImageWidth, ImageLength (SHORT, LONG or LONG8)
                vo = p + (12 if big else 8)
                fmt = {3: "H", 4: "I", 16: "Q"}.get(typ)
                if fmt is None:
                    return None
                dims[tag] = struct.unpack(end + fmt, buf[vo : vo + struct.calcsize(fmt)])[0]
    except struct.error:  # offsets past the end of the file
        return None
    if 256 not in dims or 257 not in dims:
        return None
    return ImageHead("TIFF", dims[256], dims[257])


def _webp(buf: bytes) -> ImageHead | None:
    chunk = buf[12:16]
    if chunk == b"VP8X" and len(buf) >= 30:
        return ImageHead("WebP", int.from_bytes(buf[24:27], "little") + 1, int.from_bytes(buf[27:30], "little") + 1)
    if chunk == b"VP8L" and len(buf) >= 25 and buf[20] == 0x2F:
        bits = int.from_bytes(buf[21:25], "little")
        return ImageHead("WebP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8 " and len(buf) >= 30 and buf[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", buf[26:30])
        return ImageHead("WebP", w & 0x3FFF, h & 0x3FFF)
    return None


def _gif(buf: bytes) -> ImageHead | None:
    """The logical screen, or the first frame if that is larger (decoders allocate the larger)."""
    w, h = struct.unpack("<HH", buf[6:10])
    i = 13 + (3 << ((buf[10] & 7) + 1) if buf[10] & 0x80 else 0)
    steps = 0
    while i < len(buf) and buf[i] == 0x21 and steps < 10_000:  # extensions before the first frame
        i += 2
        while i < len(buf) and buf[i] and steps < 10_000:  # data sub-blocks
            i, steps = i + buf[i] + 1, steps + 1
        i += 1
    if i + 9 < len(buf) and buf[i] == 0x2C:
        x, y, fw, fh = struct.unpack("<HHHH", buf[i + 1 : i + 9])
        w, h = max(w, x + fw), max(h, y + fh)
    return ImageHead("GIF", w, h)


def read_head(buf: bytes) -> ImageHead | None:
    """-> the format and size the header declares, or None (not an image platekit decodes)."""
    if buf[:2] == b"\xff\xd8":
        return _jpeg(buf)
    if buf[:8] == b"\x89PNG\r\n\x1a\n" and buf[12:16] == b"IHDR":
        return ImageHead("PNG", *struct.unpack(">II", buf[16:24]))
    if buf[:2] == b"BM" and len(buf) >= 26:
        if int.from_bytes(buf[14:18], "little") == 12:  # OS/2 BITMAPCOREHEADER
            return ImageHead("BMP", *struct.unpack("<HH", buf[18:22]))
        w, h = struct.unpack("<ii", buf[18:26])
        return ImageHead("BMP", abs(w), abs(h))  # negative height: top-down rows
    if buf[:6] in (b"GIF87a", b"GIF89a") and len(buf) >= 13:
        return _gif(buf)
    if buf[:4] == b"RIFF" and buf[8:12] == b"WEBP":
        return _webp(buf)
    if buf[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return _tiff(buf)
    m = _PNM.match(buf, 0, 4096)
    if m:
        return ImageHead("PNM", int(m[1]), int(m[2]))
    return None


__all__ = ["FORMATS", "ImageHead", "read_head"]
