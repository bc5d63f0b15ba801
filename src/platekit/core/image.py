"""Image loading with clear errors (no tracebacks for a bad file)."""

from __future__ import annotations

import os
import stat

import cv2
import numpy as np

from platekit.core.imagehead import read_head

MAX_PIXELS = 80_000_000  # width x height, checked from the header before decoding (any format)
MAX_FILE_BYTES = 100 * 1024 * 1024  # a file or byte string longer than this is refused
MIN_SIZE = 8  # the shorter side, in pixels
IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".pbm", ".pgm", ".ppm", ".pnm"}
VIDEO_EXTS = {".mp4", ".avi", ".mov", ".mkv"}
NOT_DECODABLE = "not a decodable image (corrupt, truncated or not an image)"
_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


class ImageError(ValueError):
    """An input that is not a readable image; the message is meant for the user."""


def header_size(buf: bytes) -> tuple[int, int] | None:
    """(w, h) declared by the header of any format platekit decodes, without decoding; None if unknown."""
    head = read_head(buf)
    return None if head is None else (head.width, head.height)


def check_size(width: int, height: int, name: str, min_size: int = MIN_SIZE) -> None:
    """Refuse a pixel count over MAX_PIXELS and a side under min_size (ImageError)."""
    if width * height > MAX_PIXELS:
        raise ImageError(f"{name}: image too large ({width}x{height} pixels, limit {MAX_PIXELS:,})")
    if min(width, height) < min_size:
        raise ImageError(f"{name}: image too small ({width}x{height})")


def _too_big(name: str, n: int) -> ImageError:
    return ImageError(f"{name}: file too large ({n:,} bytes, limit {MAX_FILE_BYTES:,})")


# cv2 flags that decode a JPEG at 1/f of its size in the DCT (libjpeg scaling: far less work than a full decode)
_REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}
# OpenCV >= 4.10 decodes straight to RGB (libjpeg-turbo writes RGB itself): the same pixels as BGR + cvtColor
# without the extra pass over the image (session 17, issue 19); older OpenCV: BGR, then cvtColor
_RGB = getattr(cv2, "IMREAD_COLOR_RGB", None)


def _flag(reduce: int, rgb: bool) -> int:
    return (_REDUCED[reduce] & ~cv2.IMREAD_COLOR) | _RGB if rgb and _RGB is not None else _REDUCED[reduce]


def jpeg_reduction(width: int, height: int, target: tuple[int, int], max_fill: float = 0.7) -> int:
    """The largest f in 8, 4, 2 (else 1) at which a ``width`` x ``height`` image, decoded at 1/f, still has to be
    shrunk by ``max_fill`` or more to fit ``target`` (h, w): the detector then sees the same scene, from
    smoother pixels, for a fraction of the decode."""
    if width <= 0 or height <= 0:
        return 1
    scale = min(target[0] / height, target[1] / width)  # the letterbox scale from full resolution
    return next((f for f in (8, 4, 2) if f * scale <= max_fill), 1)


def decode_image(buf: bytes, name: str = "<bytes>", min_size: int = MIN_SIZE,
                 warnings: list[str] | None = None, reduce: int = 1) -> np.ndarray:
    """Bytes -> upright RGB uint8 [H, W, 3]. Raises ImageError with a clear message.

    The size is checked from the header before anything is decoded; formats other than
    ``FORMATS`` are refused. Images are decoded straight to 8-bit colour (16-bit, grey, palette and
    alpha are converted by the decoder, no float copy) and turned upright by their EXIF
    orientation. A JPEG missing its end is decoded as far as it goes. Damage that was decoded
    anyway is described in ``warnings`` (when a list is given). ``reduce`` (2, 4 or 8; JPEG only): decode
    at 1/reduce of the size (each side rounded up), in the DCT; other formats ignore it. The size limits
    apply to the declared (full) size.
    """
    if reduce not in _REDUCED:
        raise ValueError(f"reduce must be one of {sorted(_REDUCED)}, got {reduce}")
    if not buf:
        raise ImageError(f"{name}: empty file")
    if len(buf) > MAX_FILE_BYTES:
        raise _too_big(name, len(buf))
    head = read_head(buf)
    if head is None:
        raise ImageError(f"{name}: {NOT_DECODABLE}")
    check_size(head.width, head.height, name, min_size)
    notes = list(head.warnings)
    f = reduce if head.format == "JPEG" else 1
    flag = _flag(f, rgb=True)
    img = cv2.imdecode(np.frombuffer(buf, np.uint8), flag)
    if img is None and head.format == "JPEG" and not buf.rstrip(b"\0").endswith(b"\xff\xd9"):
        img = cv2.imdecode(np.frombuffer(buf + b"\xff\xd9", np.uint8), flag)
        notes.append("truncated JPEG (no end marker): read the part present, the rest is grey")
    if img is None or img.ndim != 3 or img.shape[2] != 3:
        raise ImageError(f"{name}: {NOT_DECODABLE}")
    if f == 1:
        check_size(img.shape[1], img.shape[0], name, min_size)
    if warnings is not None:
        warnings.extend(notes)
    if flag != _REDUCED[f]:  # decoded as RGB already
        return img
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB, dst=img)  # in place: no second full-size copy


def stat_input(path: str) -> os.stat_result:
    """stat() an input path; refuse what is missing, a directory, or not a regular file (ImageError).

    Nothing is opened: a FIFO, a device or a socket is refused from its type.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file or directory") from None
    except (OSError, ValueError) as e:
        raise ImageError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageError(f"{path}: is a directory")
    if not stat.S_ISREG(st.st_mode):
        kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a file")
        raise ImageError(f"{path}: not a regular file ({kind})")
    return st


def read_file(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (ImageError otherwise).

    The limit holds while reading too (a file that grows, or /proc-like files whose size is 0).
    """
    size = stat_input(path).st_size
    if size > limit:
        raise _too_big(path, size)
    try:  # O_NONBLOCK: a FIFO swapped in after the stat() cannot block the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise ImageError(f"{path}: cannot read ({e.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ImageError(f"{path}: not a regular file")
            buf = f.read(limit + 1)
        except OSError as e:
            raise ImageError(f"{path}: cannot read ({e.strerror})") from None
    if len(buf) > limit:
        raise _too_big(path, len(buf))
    return buf


def load_image(path: str, min_size: int = MIN_SIZE, warnings: list[str] | None = None) -> np.ndarray:
    """Path -> upright RGB uint8 [H, W, 3]. Raises ImageError with a clear message."""
    return decode_image(read_file(path), path, min_size, warnings)


def imwrite_rgb(path: str, img: np.ndarray) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    ext = os.path.splitext(path)[1] or ".png"
    ok, buf = cv2.imencode(ext, cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ImageError(f"{path}: cannot encode image")
    with open(path, "wb") as f:
        f.write(buf.tobytes())
