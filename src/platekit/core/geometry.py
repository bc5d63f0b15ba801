"""Plate geometry: order corners, rectify by 4 corners, crop by box, IoU. numpy + OpenCV."""

from __future__ import annotations

import cv2
import numpy as np


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Any 4 points -> lt, rt, rb, lb (by sum/diff of coordinates). [4, 2] float32."""
    pts = np.asarray(pts, dtype=np.float32).reshape(4, 2)
    s, d = pts.sum(1), pts[:, 1] - pts[:, 0]
    return np.stack([pts[s.argmin()], pts[d.argmin()], pts[s.argmax()], pts[d.argmax()]]).astype(np.float32)


def expand_corners(corners: np.ndarray, mx: float = 0.0, my: float = 0.0) -> np.ndarray:
    """Grow a lt,rt,rb,lb quadrilateral by fractions of its width/height (keeps its shape)."""
    c = np.asarray(corners, dtype=np.float32).reshape(4, 2)
    lt, rt, rb, lb = c
    right = ((rt - lt) + (rb - lb)) / 2
    down = ((lb - lt) + (rb - rt)) / 2
    dx, dy = right * mx, down * my
    return np.stack([lt - dx - dy, rt + dx - dy, rb + dx + dy, lb - dx + dy]).astype(np.float32)


def rectify(image: np.ndarray, corners: np.ndarray, size: tuple[int, int], margin: float = 0.0) -> np.ndarray:
    """Perspective-warp the plate quadrilateral (lt, rt, rb, lb) to ``size=(w, h)``."""
    w, h = size
    src = expand_corners(corners, margin, margin * 2) if margin else np.asarray(corners, np.float32)
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src.reshape(4, 2), dst)
    return cv2.warpPerspective(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def stitch_source_size(size: tuple[int, int], aspect: float) -> tuple[int, int]:
    """The (w, h) to rectify a plate of ``aspect`` (width / height) at before ``stitch_rows`` makes a ``size`` crop:
    twice the reader's width, the plate's own aspect (its rows keep their resolution)."""
    w, h = size
    return 2 * w, max(h, int(round(2 * w / aspect)))


def stitch_rows(crop: np.ndarray, rows, margin: float, size: tuple[int, int]) -> np.ndarray:
    """A rectified multi-row plate -> its rows side by side (top row first) as one ``size=(w, h)`` line.

    ``crop`` is a plate rectified as :func:`rectify` does (the plate grown by ``margin`` of its width left and
    right and 2 x margin of its height top and bottom); ``rows``: (x0, y0, x1, y1) per row in fractions of the
    plate. Each row is cut, brought to the output height at its own aspect, the rows are joined left to right
    and the line is resized to ``size``: a two-row plate then looks like a one-row plate to a one-line reader."""
    ch, cw = crop.shape[:2]
    w, h = size
    parts = []
    for x0, y0, x1, y1 in rows:  # rectify maps the grown plate onto pixel centres 0 .. w-1 / 0 .. h-1
        a, b = (int(round((margin + x) / (1 + 2 * margin) * (cw - 1))) for x in (x0, x1))
        c, d = (int(round((2 * margin + y) / (1 + 4 * margin) * (ch - 1))) for y in (y0, y1))
        b, d = b + 1, d + 1  # inclusive -> exclusive
        a, c = min(max(a, 0), cw - 1), min(max(c, 0), ch - 1)
        strip = crop[c : max(d, c + 1), a : max(b, a + 1)]
        sw = max(1, int(round(strip.shape[1] * h / strip.shape[0])))
        parts.append(cv2.resize(strip, (sw, h), interpolation=cv2.INTER_AREA))
    return cv2.resize(np.hstack(parts), (w, h), interpolation=cv2.INTER_AREA)


def quad_size(corners: np.ndarray) -> tuple[float, float]:
    """(width, height) of a lt, rt, rb, lb quadrilateral: the means of its opposite sides, as seen."""
    c = np.asarray(corners, np.float32).reshape(4, 2)
    wd = (np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2
    ht = (np.linalg.norm(c[3] - c[0]) + np.linalg.norm(c[2] - c[1])) / 2
    return float(wd), float(ht)


def corner_aspect(corners: np.ndarray) -> float:
    """Width / height of a lt, rt, rb, lb quadrilateral (``quad_size``; not corrected for perspective)."""
    wd, ht = quad_size(corners)
    return wd / ht if ht > 0 else float("inf")


def crop_box(image: np.ndarray, box, size: tuple[int, int] | None = None, pad: float = 0.0) -> np.ndarray:
    """Axis-aligned crop (x1, y1, x2, y2), optionally padded by a fraction and resized to (w, h)."""
    h_img, w_img = image.shape[:2]
    x1, y1, x2, y2 = (float(v) for v in box)
    pw, ph = (x2 - x1) * pad, (y2 - y1) * pad
    x1, y1 = int(max(0, np.floor(x1 - pw))), int(max(0, np.floor(y1 - ph)))
    x2, y2 = int(min(w_img, np.ceil(x2 + pw))), int(min(h_img, np.ceil(y2 + ph)))
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f"empty crop box {box}")
    crop = image[y1:y2, x1:x2]
    if size is not None:
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR)
    return crop


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix between boxes a [N, 4] and b [M, 4] (x1, y1, x2, y2)."""
    a, b = np.asarray(a, np.float32).reshape(-1, 4), np.asarray(b, np.float32).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).clip(0).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).clip(0).prod(-1)
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_thr: float = 0.4) -> np.ndarray:
    """Greedy non-maximum suppression (OpenCV's ``cv2.dnn.NMSBoxes``): boxes x1, y1, x2, y2; returns the
    kept indices, best score first. A box is dropped when its IoU with a kept box exceeds ``iou_thr``."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    if not len(boxes):
        return np.zeros(0, dtype=np.int64)
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
    scores = np.asarray(scores, np.float64).ravel()
    scores = scores - scores.min() + 1.0  # NMSBoxes keeps scores > its threshold (>= 0); order is all that counts
    keep = cv2.dnn.NMSBoxes(xywh.tolist(), scores.tolist(), 0.0, float(iou_thr))
    return np.asarray(keep, dtype=np.int64).ravel()
