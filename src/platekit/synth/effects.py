"""Image degradations for synthetic plates, each scaled by ``d`` (difficulty 0..1). numpy/OpenCV.

Canvas effects (before the perspective warp): lighting gradient, cast shadow, dirt, highlight.
Camera effects (on the small crop): blur (motion/defocus), colour cast, exposure, night/IR grey,
noise, JPEG. ``binarize``: the black-and-white look of crops thresholded by older pipelines.
"""

from __future__ import annotations

import cv2
import numpy as np


def _smooth_field(h: int, w: int, rng: np.random.Generator, cells: tuple[int, int] = (3, 6)) -> np.ndarray:
    """A smooth random field in [0, 1], float32 [h, w]."""
    f = rng.random(cells).astype(np.float32)
    return cv2.resize(f, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def lighting(img: np.ndarray, rng: np.random.Generator, d: float) -> np.ndarray:
    """Linear brightness gradient, cast shadow, specular highlight and dirt. float32 in/out."""
    h, w = img.shape[:2]
    gain = np.ones((h, w), np.float32)
    if rng.random() < 0.4 + 0.5 * d:  # illumination gradient along a random direction
        ang = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        t = (np.cos(ang) * xx / w + np.sin(ang) * yy / h)
        t = (t - t.min()) / max(float(np.ptp(t)), 1e-6)
        gain *= 1 - rng.uniform(0, 0.6 * d) * t
    if rng.random() < 0.35 * d:  # hard shadow edge (a line through the plate)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        p = np.array([rng.uniform(0, w), rng.uniform(0, h)])
        ang = rng.uniform(0, np.pi)
        side = (xx - p[0]) * np.sin(ang) - (yy - p[1]) * np.cos(ang) > 0
        gain = np.where(side, gain * rng.uniform(0.35, 0.75), gain)
    img = img * gain[..., None]
    if rng.random() < 0.3 * d:  # specular highlight / overexposed patch
        f = _smooth_field(h, w, rng, (2, 4)) ** 3
        img = img + f[..., None] * rng.uniform(60, 200) * d
    if rng.random() < 0.5 * d:  # dirt: brownish blotches where a smooth field exceeds a threshold
        f = _smooth_field(h, w, rng, (int(rng.integers(3, 8)), int(rng.integers(8, 20))))
        thr = rng.uniform(0.55, 0.85)
        a = ((f - thr) / (1 - thr)).clip(0, 1) * rng.uniform(0.3, 0.8)
        dirt = np.array([rng.uniform(60, 140), rng.uniform(50, 110), rng.uniform(30, 80)], np.float32)
        img = img * (1 - a[..., None]) + dirt * a[..., None]
    return img


def motion_blur(img: np.ndarray, length: float, angle: float) -> np.ndarray:
    n = max(3, int(round(length)) | 1)
    k = np.zeros((n, n), np.float32)
    k[n // 2, :] = 1
    rot = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), angle, 1.0)
    k = cv2.warpAffine(k, rot, (n, n))
    k /= max(float(k.sum()), 1e-6)
    return cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT)


def camera(img: np.ndarray, rng: np.random.Generator, d: float) -> np.ndarray:
    """Blur, colour, exposure, grey/IR, noise on a small float32 crop (0..255). -> float32."""
    h, w = img.shape[:2]
    r = rng.random()
    if r < 0.25 * d + 0.05:
        img = motion_blur(img, rng.uniform(2, 2 + 0.06 * w * d), rng.uniform(-30, 30) if rng.random() < 0.8
                          else rng.uniform(0, 180))
    elif r < 0.7:
        s = rng.uniform(0.2, 0.4 + 1.4 * d) * h / 48
        img = cv2.GaussianBlur(img, (0, 0), s)
    # colour cast and white balance
    img = img * rng.uniform(1 - 0.25 * d, 1 + 0.25 * d, 3)[None, None, :].astype(np.float32)
    # exposure / contrast / gamma
    c = rng.uniform(1 - 0.5 * d, 1 + 0.3 * d)
    m = float(img.mean())
    img = (img - m) * c + m + rng.uniform(-50, 50) * d
    img = img.clip(0, 255)
    g = np.exp(rng.uniform(-0.6, 0.6) * d)
    img = 255.0 * (img / 255.0) ** g
    if rng.random() < 0.12 * d:  # night / IR-like grey
        grey = img @ np.array([0.299, 0.587, 0.114], np.float32)
        if rng.random() < 0.5:
            grey = 255.0 * (grey / 255.0) ** rng.uniform(0.5, 1.5)
        img = np.repeat(grey[..., None], 3, 2)
    elif rng.random() < 0.3 * d:  # desaturate / washed out
        grey = img.mean(2, keepdims=True)
        a = rng.uniform(0.2, 0.8)
        img = img * (1 - a) + grey * a
    if rng.random() < 0.8:
        sigma = rng.uniform(0, 4 + 14 * d)
        img = img + rng.normal(0, sigma, img.shape[:2] + ((1,) if rng.random() < 0.5 else (3,))).astype(np.float32)
    return img


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    """JPEG round trip of an RGB uint8 image."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) if ok else img


def binarize(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thresholded black-and-white version of an RGB uint8 crop, as older plate pipelines stored them.

    The crop is upsampled (those pipelines thresholded the full-resolution plate), optionally smoothed,
    thresholded globally (Otsu, shifted) or locally (adaptive mean: blotches where the plate is flat),
    specks are added or removed, and the result is area-downsampled back (soft edges, as when the
    reader resizes a binarised crop). -> RGB uint8, same size.
    """
    h, w = img.shape[:2]
    f = rng.uniform(1.5, 3.5)
    big = cv2.resize(img, (int(round(w * f)), int(round(h * f))), interpolation=cv2.INTER_CUBIC)
    grey = cv2.cvtColor(big, cv2.COLOR_RGB2GRAY)
    # the thresholders of those pipelines smoothed first: noise and JPEG blocks do not survive
    grey = cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.6, 1.6) * f)
    if rng.random() < 0.8:  # and flattened the illumination (background = grey closed over a stroke's size)
        k = max(3, int(0.25 * grey.shape[0]) | 1)
        bg = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        grey = np.clip(grey.astype(np.float32) / np.maximum(bg, 1).astype(np.float32) * 235, 0, 255).astype(np.uint8)
    if rng.random() < 0.7:
        t, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        bw = np.where(grey > t + rng.uniform(-20, 15), 255, 0).astype(np.uint8)
    else:  # local: only what is clearly darker than its surroundings turns black
        block = int(grey.shape[0] * rng.uniform(0.4, 1.2)) | 1
        bw = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, max(3, block),
                                   rng.uniform(4, 20))
    r = rng.random()
    if r < 0.3:  # thin strokes (a high threshold eats ink) or
        bw = cv2.dilate(bw, np.ones((2, 2), np.uint8))
    elif r < 0.6:  # fat strokes
        bw = cv2.erode(bw, np.ones((2, 2), np.uint8))
    if rng.random() < 0.5:  # pepper: specks of dirt and JPEG residue that passed the threshold
        n = int(rng.integers(1, 30))
        ys, xs = rng.integers(0, bw.shape[0], n), rng.integers(0, bw.shape[1], n)
        for y, x, rad in zip(ys, xs, rng.integers(1, max(2, int(2 * f)), n), strict=True):
            cv2.circle(bw, (int(x), int(y)), int(rad), 0, -1)
    small = cv2.resize(bw, (w, h), interpolation=cv2.INTER_AREA)
    return np.repeat(small[..., None], 3, 2)
