"""Hostile image files built cheaply in memory: decompression bombs (kilobytes on disk, gigabytes
decoded) in every format platekit decodes. Shared by tests/test_hostile.py and
scripts/hostile_batch.py.
"""

from __future__ import annotations

import struct
import zlib


def bmp_rle8(w: int, h: int) -> bytes:
    """A w x h 8-bit RLE BMP: 54 header bytes + a 1 KB palette + one end-of-bitmap code."""
    data = b"\x00\x01\x00\x01"
    off = 14 + 40 + 1024
    head = b"BM" + struct.pack("<IHHI", off + len(data), 0, 0, off)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 8, 1, len(data), 2835, 2835, 256, 0)
    return head + info + bytes(1024) + data


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_zeros(w: int, h: int, depth: int = 8, color: int = 2) -> bytes:
    """A real, fully decodable w x h PNG of zeros (color 2 = RGB, 6 = RGBA), zlib-streamed row by row."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    row = bytes(1 + w * channels * depth // 8)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def tiff_deflate(w: int, h: int, rows: int | None = None) -> bytes:
    """A w x h RGB TIFF of zeros in one deflate strip (about 1 KB per 1 M pixels); ``rows`` < h
    writes only that many rows of data (quick to build: the header is what the size check reads)."""
    z = zlib.compressobj(9)
    row = bytes(w * 3)
    strip = b"".join(z.compress(row) for _ in range(h if rows is None else rows)) + z.flush()
    tags = [(256, 4, w), (257, 4, h), (258, 3, 8), (259, 3, 8), (262, 3, 2), (273, 4, 0), (277, 3, 3),
            (278, 4, h), (279, 4, len(strip))]
    ifd_off = 8
    data_off = ifd_off + 2 + 12 * len(tags) + 4 + 6  # + BitsPerSample's 3 values
    entries = b""
    for tag, typ, val in tags:
        if tag == 258:  # 3 SHORT values do not fit: stored after the IFD
            entries += struct.pack("<HHII", tag, typ, 3, data_off - 6)
        elif tag == 273:
            entries += struct.pack("<HHII", tag, typ, 1, data_off)
        else:
            entries += struct.pack("<HHI", tag, typ, 1) + (struct.pack("<HH", val, 0) if typ == 3 else
                                                           struct.pack("<I", val))
    return (b"II*\0" + struct.pack("<I", ifd_off) + struct.pack("<H", len(tags)) + entries + b"\0\0\0\0"
            + struct.pack("<HHH", 8, 8, 8) + strip)


def gif_screen(w: int, h: int) -> bytes:
    """A w x h GIF: one frame covering the screen whose LZW data is just clear + end codes."""
    desc = b"\x2c" + struct.pack("<HHHH", 0, 0, w, h) + b"\x80" + bytes(6)  # 2-colour local table
    return b"GIF89a" + struct.pack("<HH", w, h) + b"\x00\x00\x00" + desc + b"\x02\x01\x2c\x00" + b"\x3b"


def webp_vp8x(w: int, h: int) -> bytes:
    """The header of an extended WebP declaring a w x h canvas (what the size check reads)."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (w - 1).to_bytes(3, "little") + (
        h - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def jpeg_sof(w: int, h: int) -> bytes:
    """A JPEG header whose frame declares w x h (no scan data)."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, h, w, 3) + bytes(9)
    return b"\xff\xd8" + sof + b"\xff\xd9"


def with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """``jpeg`` with an APP1 EXIF segment holding only the Orientation tag (as phones write it)."""
    tiff = b"MM\0*" + struct.pack(">I", 8) + struct.pack(">H", 1) + struct.pack(">HHIHH", 0x112, 3, 1,
                                                                                orientation, 0) + bytes(4)
    app1 = b"Exif\0\0" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


__all__ = ["bmp_rle8", "gif_screen", "jpeg_sof", "png_zeros", "tiff_deflate", "webp_vp8x", "with_exif_orientation"]
