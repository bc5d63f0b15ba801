"""Drawing primitives shared by the plate renderers: colour jitter, mask stamping and blending, outlines."""

from __future__ import annotations

import cv2
import numpy as np


def jitter_colour(rgb, rng: np.random.Generator, amount: float) -> np.ndarray:
    c = np.asarray(rgb, np.float32) * rng.uniform(1 - amount, 1 + amount) * rng.uniform(1 - amount / 3, 1 + amount / 3, 3)
    c = c + rng.uniform(-20, 20, 3) * amount
    return np.clip(c, 0, 255)


def stamp(alpha: np.ndarray, x: int, y: int, mask: np.ndarray) -> None:
    """alpha[y:y+h, x:x+w] = max(alpha, mask) (clipped to alpha)."""
    h, w = mask.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, alpha.shape[1]), min(y + h, alpha.shape[0])
    if x1 > x0 and y1 > y0:
        np.maximum(alpha[y0:y1, x0:x1], mask[y0 - y : y1 - y, x0 - x : x1 - x], out=alpha[y0:y1, x0:x1])


def blend(img: np.ndarray, x: int, y: int, mask: np.ndarray, colour: np.ndarray) -> None:
    """Alpha-blend ``colour`` into img[y:y+h, x:x+w] where mask [h, w] is 0..1 (clipped to img)."""
    h, w = mask.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, img.shape[1]), min(y + h, img.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    a = mask[y0 - y : y1 - y, x0 - x : x1 - x, None]
    roi = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = (roi * (1 - a) + colour * a).astype(np.uint8)


def rounded_mask(h: int, w: int, r: int) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    r = max(1, min(r, h // 2 - 1, w // 2 - 1))
    cv2.rectangle(m, (r, 0), (w - 1 - r, h - 1), 255, -1)
    cv2.rectangle(m, (0, r), (w - 1, h - 1 - r), 255, -1)
    for cx, cy in ((r, r), (w - 1 - r, r), (r, h - 1 - r), (w - 1 - r, h - 1 - r)):
        cv2.circle(m, (cx, cy), r, 255, -1, cv2.LINE_AA)
    return m
