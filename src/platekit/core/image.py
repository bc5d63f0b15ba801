"""Image loading with clear errors (no tracebacks for a bad file)."""

from __future__ import annotations

import os

import cv2
import numpy as np

MAX_PIXELS = 80_000_000  # refuse decoding absurd sizes (e.g. a 20000x20000 header)
IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_EXTS = {".mp4", ".avi", ".mov", ".mkv"}


class ImageError(ValueError):
    """An input that is not a readable image; the message is meant for the user."""


def _header_size(buf: bytes) -> tuple[int, int] | None:
    """(w, h) from a PNG or JPEG header without decoding, or None if unknown."""
    if buf[:8] == b"\x89PNG\r\n\x1a\n" and len(buf) >= 24:
        return int.from_bytes(buf[16:20], "big"), int.from_bytes(buf[20:24], "big")
    if buf[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(buf):
            if buf[i] != 0xFF:
                i += 1
                continue
            marker = buf[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h = int.from_bytes(buf[i + 5 : i + 7], "big")
                w = int.from_bytes(buf[i + 7 : i + 9], "big")
                return w, h
            seg = int.from_bytes(buf[i + 2 : i + 4], "big")
            i += 2 + seg
    return None


def decode_image(buf: bytes, name: str = "<bytes>", min_size: int = 8) -> np.ndarray:
    """Bytes -> RGB uint8 [H, W, 3]. Raises ImageError with a clear message."""
    if not buf:
        raise ImageError(f"{name}: empty file")
    hs = _header_size(buf)
    if hs is not None and hs[0] * hs[1] > MAX_PIXELS:
        raise ImageError(f"{name}: image too large ({hs[0]}x{hs[1]} pixels, limit {MAX_PIXELS:,})")
    arr = np.frombuffer(buf, dtype=np.uint8)
    img = cv2.imdecode(arr, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ImageError(f"{name}: not a decodable image (corrupt, truncated or not an image)")
    if img.dtype == np.uint16:
        img = (img / 257).astype(np.uint8)
    elif img.dtype != np.uint8:
        raise ImageError(f"{name}: unsupported pixel type {img.dtype}")
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    elif img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    else:
        raise ImageError(f"{name}: unsupported channel count {img.shape[2]}")
    if min(img.shape[:2]) < min_size:
        raise ImageError(f"{name}: image too small ({img.shape[1]}x{img.shape[0]})")
    return np.ascontiguousarray(img)


def load_image(path: str, min_size: int = 8) -> np.ndarray:
    """Path -> RGB uint8 [H, W, 3]. Raises ImageError with a clear message."""
    if not os.path.exists(path):
        raise ImageError(f"{path}: no such file")
    if os.path.isdir(path):
        raise ImageError(f"{path}: is a directory")
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except OSError as e:
        raise ImageError(f"{path}: cannot read ({e.strerror})") from None
    return decode_image(buf, path, min_size)


def imwrite_rgb(path: str, img: np.ndarray) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    ext = os.path.splitext(path)[1] or ".png"
    ok, buf = cv2.imencode(ext, cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ImageError(f"{path}: cannot encode image")
    with open(path, "wb") as f:
        f.write(buf.tobytes())
