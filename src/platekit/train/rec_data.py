"""Recognizer training data: real plates (any reader) + streamed synthetic plates, augmentation.

Real scenes are decoded once into *context crops* (the plate with 25 % surroundings, plus the plate
quadrilateral in context pixels), cached as .npz; each training sample re-warps a jittered
quadrilateral out of its context crop, which imitates detector corner/box errors with real pixels.
Validation crops are made exactly like inference crops (``rectify`` by corners, or ``crop_box``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
import warnings
from dataclasses import dataclass

import cv2
import numpy as np

from platekit.core.formats import get_region
from platekit.core.geometry import crop_box, expand_corners, rectify
from platekit.core.image import load_image
from platekit.errors import PlatekitError

log = logging.getLogger(__name__)

CTX_MARGIN = 0.25  # context crop = plate grown by 25 % of its width (50 % of its height) each side


@dataclass(frozen=True)
class Source:
    path: str
    kind: str = "auto"
    split: str = "all"  # all | train | val (by plate text, data.split.split_by_text)
    val_fraction: float = 0.2
    mode: str = "corners"  # corners | bbox | mix (scenes); crops are always used whole
    limit: int | None = None


def load_samples(src: Source, region) -> list:
    """PlateSamples of ``src`` that fit the region's formats (others dropped with a warning); ``region``: a name
    or a ``Region`` (a reader's own, ``Region.for_alphabet``: plates it cannot spell are not its samples)."""
    from platekit.data.readers import load_plates
    from platekit.data.split import split_by_text

    if not os.path.exists(src.path):
        raise PlatekitError(f"data path not found: {src.path}")
    samples = load_plates(src.path, src.kind)
    if src.split != "all":
        tr, va = split_by_text(samples, src.val_fraction)
        samples = tr if src.split == "train" else va
    r = get_region(region) if isinstance(region, str) else region
    ok = [s for s in samples if r.guess_format(s.text) is not None]
    if len(ok) < len(samples):
        warnings.warn(f"{src.path}: {len(samples) - len(ok)} of {len(samples)} plates do not fit region {r.name!r}; skipped",
                      stacklevel=2)
    ok = [dataclasses.replace(s, text=r.guess_format(s.text).normalize(s.text)) for s in ok]
    return ok[: src.limit] if src.limit else ok


def _cache_path(cache_dir: str | None, tag: str, key: dict) -> str | None:
    if not cache_dir:
        return None
    h = hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]
    os.makedirs(cache_dir, exist_ok=True)
    return os.path.join(cache_dir, f"{tag}_{h}.npz")


def eval_crop(sample, size: tuple[int, int], mode: str, margin: float, image: np.ndarray | None = None) -> np.ndarray:
    """The inference crop of a sample: corners -> rectify(margin); bbox -> crop_box(pad 0); crops whole."""
    img = load_image(sample.image_path) if image is None else image
    if mode == "corners" and sample.corners is not None:
        return rectify(img, np.asarray(sample.corners, np.float32), size, margin)
    if mode in ("corners", "bbox") and sample.box is not None:
        return crop_box(img, sample.box, size, 0.0)
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def eval_crops(samples: list, size: tuple[int, int], mode: str, margin: float,
               cache_dir: str | None = None) -> tuple[np.ndarray, list[str]]:
    """-> (uint8 [N, H, W, 3], texts), cached by sample paths + size + mode + margin."""
    key = {"p": [s.image_path for s in samples], "size": size, "mode": mode, "m": margin}
    path = _cache_path(cache_dir, f"eval_{mode}", key)
    texts = [s.text for s in samples]
    if path and os.path.exists(path):
        return np.load(path)["x"], texts
    w, h = size
    x = np.empty((len(samples), h, w, 3), np.uint8)
    for i, s in enumerate(samples):
        x[i] = eval_crop(s, size, mode, margin)
    if path:
        np.savez(path, x=x)
    return x, texts


def context_crops(samples: list, size: tuple[int, int], mode: str, cache_dir: str | None = None):
    """-> (ctx uint8 [N, Hc, Wc, 3], quads float32 [N, 4, 2] (plate lt,rt,rb,lb in ctx px), texts,
    plate_quads float32 [N, 4, 2]: the labelled corners in ctx px, NaN without corners).

    mode corners: the context is rectified by the corners; bbox: an axis-aligned crop around the
    box (the quad is then the box). Crop datasets: the whole image, quad = its border.
    """
    w, h = size
    wc, hc = int(round(1.25 * w * (1 + 2 * CTX_MARGIN))), int(round(1.25 * h * (1 + 4 * CTX_MARGIN)))
    key = {"p": [s.image_path for s in samples], "size": size, "mode": mode, "ctx": CTX_MARGIN}
    path = _cache_path(cache_dir, f"ctx_{mode}", key)
    texts = [s.text for s in samples]
    if path and os.path.exists(path):
        z = np.load(path)
        if "pq" in z:  # (older caches lack the plate quads: rebuilt below)
            return z["x"], z["q"], texts, z["pq"]
    x = np.empty((len(samples), hc, wc, 3), np.uint8)
    q = np.empty((len(samples), 4, 2), np.float32)
    pq = np.full((len(samples), 4, 2), np.nan, np.float32)
    dst = np.array([[0, 0], [wc - 1, 0], [wc - 1, hc - 1], [0, hc - 1]], np.float32)
    for i, s in enumerate(samples):
        img = load_image(s.image_path)
        if mode == "corners" and s.corners is not None:
            c = np.asarray(s.corners, np.float32)
            src = expand_corners(c, CTX_MARGIN, 2 * CTX_MARGIN)
        elif s.box is not None:
            x1, y1, x2, y2 = (float(v) for v in s.box)
            c = np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], np.float32)
            src = expand_corners(c, CTX_MARGIN, 2 * CTX_MARGIN)
        else:  # a crop: the whole image is the plate (+ its own margin)
            ih, iw = img.shape[:2]
            c = np.array([[0, 0], [iw - 1, 0], [iw - 1, ih - 1], [0, ih - 1]], np.float32)
            src = c
        m = cv2.getPerspectiveTransform(src, dst)
        x[i] = cv2.warpPerspective(img, m, (wc, hc), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
        q[i] = cv2.perspectiveTransform(c[None], m)[0]
        if s.corners is not None:
            pq[i] = cv2.perspectiveTransform(np.asarray(s.corners, np.float32)[None], m)[0]
    if path:
        np.savez(path, x=x, q=q, pq=pq)
    return x, q, texts, pq


# --- augmentation -------------------------------------------------------------------------------


def warp_quad(ctx: np.ndarray, quad: np.ndarray, size: tuple[int, int], margin: float,
              rng: np.random.Generator, strength: float, jitter: tuple[float, float] = (0.02, 0.05)) -> np.ndarray:
    """Warp a jittered, margin-grown quad out of a context crop to ``size`` (W, H)."""
    w, h = size
    q = expand_corners(quad, margin, 2 * margin)
    if strength > 0:
        lt, rt, rb, lb = q
        pw = np.linalg.norm(((rt - lt) + (rb - lb)) / 2)
        ph = np.linalg.norm(((lb - lt) + (rb - rt)) / 2)
        s = strength
        # per-corner jitter (detector error), global scale/shift/rotation (framing, roll)
        q = q + rng.normal(0, 1, (4, 2)) * np.array([jitter[0] * s * pw, jitter[1] * s * ph])
        ctr = q.mean(0)
        ang = np.deg2rad(rng.uniform(-5, 5) * s)
        rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
        scale = np.array([1 + rng.uniform(-0.08, 0.1) * s, 1 + rng.uniform(-0.1, 0.15) * s])
        q = (q - ctr) @ rot.T * scale + ctr + rng.uniform(-1, 1, 2) * np.array([0.03 * s * pw, 0.06 * s * ph])
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    return cv2.warpPerspective(ctx, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def photometric(img: np.ndarray, rng: np.random.Generator, s: float, exposure: bool = False) -> np.ndarray:
    """Blur, colour shift, brightness/contrast, noise, JPEG, cutout; ``s`` = strength 0..1.

    ``exposure``: also over-exposed plates (gain, strokes glowing into the background) and night
    plates (dark, colour cast) -- the two kinds of real plates the cn reader still misread."""
    if s <= 0:
        return img
    h, w = img.shape[:2]
    x = img.astype(np.float32)
    if rng.random() < 0.8:  # brightness / contrast
        a = 1 + rng.uniform(-0.45, 0.35) * s
        b = rng.uniform(-45, 45) * s
        x = (x - 128) * a + 128 + b
    if rng.random() < 0.5:  # colour shift: per-channel gain
        x = x * (1 + rng.uniform(-0.15, 0.15, 3) * s)
    if exposure and rng.random() < 0.15 * s:  # over-exposure: gain + glow bleeding out of the bright strokes
        x = x * rng.uniform(1.15, 1.6)
        glow = cv2.GaussianBlur(np.clip(x - 200, 0, None), (0, 0), rng.uniform(1.0, 2.5) * h / 48)
        x = x + rng.uniform(0.3, 1.0) * glow
    elif exposure and rng.random() < 0.12 * s:  # night: dark, a colour cast, lifted noise floor
        x = x * rng.uniform(0.2, 0.5) * (1 + rng.uniform(-0.4, 0.4, 3)) + rng.uniform(0, 15)
    if rng.random() < 0.05 * s:
        x = np.repeat(x.mean(2, keepdims=True), 3, 2)
    if rng.random() < 0.3 * s:  # cutout: a small patch, never a whole character
        cw, ch = int(rng.uniform(0.03, 0.08) * w), int(rng.uniform(0.1, 0.3) * h)
        cx, cy = rng.integers(0, w - cw), rng.integers(0, h - ch)
        x[cy : cy + ch, cx : cx + cw] = rng.uniform(0, 255, 3)
    x = np.clip(x, 0, 255).astype(np.uint8)
    r = rng.random()
    if r < 0.25 * s:  # gaussian blur
        x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.4, 1.0 + s))
    elif r < 0.4 * s:  # horizontal motion blur
        k = int(rng.integers(2, 3 + int(4 * s)))
        x = cv2.blur(x, (k, 1))
    elif r < 0.55 * s:  # down-up sampling
        f = rng.uniform(0.4, 0.8)
        x = cv2.resize(cv2.resize(x, (max(8, int(w * f)), max(4, int(h * f))), interpolation=cv2.INTER_AREA), (w, h))
    if rng.random() < 0.3 * s:
        x = np.clip(x.astype(np.float32) + rng.normal(0, rng.uniform(2, 10) * s, x.shape), 0, 255).astype(np.uint8)
    if rng.random() < 0.3 * s:
        ok, buf = cv2.imencode(".jpg", x, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 90))])
        if ok:
            x = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return x


LOWRES_ASPECT = 94 / 24  # the LPRNet crops: loosely cut boxes stored at 94x24


def loosen_quad(quad: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A loosely cut box around a plate quad: each side grown independently (so also off centre),
    up to 12 % of the plate width left/right and 35 % of its height top/bottom."""
    q = np.asarray(quad, np.float32).reshape(4, 2)
    lt, rt, rb, lb = q
    right = ((rt - lt) + (rb - lb)) / 2
    down = ((lb - lt) + (rb - rt)) / 2
    ml, mr = rng.uniform(0.0, 0.12, 2)
    mt, mb = rng.uniform(0.0, 0.35, 2)
    return np.stack([lt - ml * right - mt * down, rt + mr * right - mt * down,
                     rb + mr * right + mb * down, lb - ml * right + mb * down]).astype(np.float32)


def loosen_crop(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """:func:`loosen_quad` for a crop without context (synthetic): the crop shrinks into a canvas of
    its own size, the border replicated outwards."""
    h, w = img.shape[:2]
    quad = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(loosen_quad(quad, rng), quad)
    return cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def lowres(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An LPRNet-style low-resolution crop: down to about 94x24 (width 70..120 px, INTER_AREA or
    INTER_LINEAR), mild JPEG half of the time, then back to the crop's size the way the Reader's crop
    mode resizes (INTER_AREA). Shape and dtype are kept."""
    h, w = img.shape[:2]
    lw = int(rng.integers(70, 121))
    lh = max(12, int(round(lw / LOWRES_ASPECT * rng.uniform(0.9, 1.1))))
    interp = cv2.INTER_AREA if rng.random() < 0.5 else cv2.INTER_LINEAR
    x = cv2.resize(img, (lw, lh), interpolation=interp)
    if rng.random() < 0.5:
        ok, buf = cv2.imencode(".jpg", x, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 96))])
        if ok:
            x = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return cv2.resize(x, (w, h), interpolation=cv2.INTER_AREA)


def albu_photometric(s: float, seed: int):
    """The same photometric recipe as :func:`photometric` (without ``exposure``) as an albumentations
    2.0.8 pipeline: callable (uint8 RGB, rng) -> uint8 RGB."""
    import albumentations as A

    if s <= 0:
        return lambda img, rng: img
    blur_k = 3 + 2 * int(2 * s)  # odd kernel sizes for the horizontal motion blur
    aug = A.Compose([
        A.RandomBrightnessContrast(brightness_limit=(-45 * s / 255, 45 * s / 255),
                                   contrast_limit=(-0.45 * s, 0.35 * s), p=0.8),
        A.MultiplicativeNoise(multiplier=(1 - 0.15 * s, 1 + 0.15 * s), per_channel=True, elementwise=False, p=0.5),
        A.ToGray(num_output_channels=3, p=0.05 * s),
        A.CoarseDropout(num_holes_range=(1, 1), hole_height_range=(0.1, 0.3), hole_width_range=(0.03, 0.08),
                        fill="random_uniform", p=0.3 * s),
        A.OneOf([
            A.GaussianBlur(blur_limit=0, sigma_limit=(0.4, 1.0 + s), p=0.25),
            A.MotionBlur(blur_limit=(3, blur_k), angle_range=(0, 0), direction_range=(0, 0), p=0.15),
            A.Downscale(scale_range=(0.4, 0.8), p=0.15),
        ], p=0.55 * s),
        A.GaussNoise(std_range=(2 * s / 255, 10 * s / 255), p=0.3 * s),
        A.ImageCompression(quality_range=(30, 90), p=0.3 * s),
    ], seed=seed)
    return lambda img, rng: aug(image=img)["image"]


def photometric_fn(backend: str, s: float, seed: int):
    """-> f(img, rng) for the real-crop photometric augmentation: hand-written or albumentations."""
    if backend == "albumentations":
        return albu_photometric(s, seed)
    return lambda img, rng: photometric(img, rng, s)


# --- the training stream ------------------------------------------------------------------------


class SynthPool:
    """A fixed pool of pre-generated synthetic crops with the generator's ``sample(rng)`` interface."""

    def __init__(self, x: np.ndarray, texts: list[str]):
        self.x, self.texts = x, texts

    def sample(self, rng: np.random.Generator):
        i = int(rng.integers(len(self.texts)))
        return self.x[i], self.texts[i], None


def synth_pool(gen, n: int, seed: int, cache_dir: str | None, key: dict, echo=None) -> SynthPool:
    """Generate ``n`` crops once (cached as .npz): ~10x cheaper per training sample than streaming."""
    path = _cache_path(cache_dir, "synth", {**key, "n": n, "seed": seed})
    if path and os.path.exists(path):
        z = np.load(path)
        return SynthPool(z["x"], [str(t) for t in z["t"]])
    rng = np.random.default_rng([seed, 99])
    w, h = gen.size
    x = np.empty((n, h, w, 3), np.uint8)
    texts = []
    t0 = time.time()
    for i in range(n):
        img, t, _ = gen.sample(rng)
        x[i] = img
        texts.append(t)
    (echo or log.info)(f"synthetic pool: {n} crops in {time.time() - t0:.0f} s")
    if path:
        np.savez(path, x=x, t=np.array(texts))
    return SynthPool(x, texts)


class RealPool:
    """Context crops of one or more sources, sampled uniformly."""

    def __init__(self, ctx: np.ndarray, quads: np.ndarray, texts: list[str], margins: np.ndarray,
                 plate_quads: np.ndarray | None = None):
        self.ctx, self.quads, self.texts, self.margins = ctx, quads, texts, margins  # margin per sample
        # labelled plate corners in ctx px (NaN where unknown): where the characters are
        self.plate_quads = np.full_like(quads, np.nan) if plate_quads is None else plate_quads

    def __len__(self) -> int:
        return len(self.texts)


# Where the first character (the province) of a China blue plate sits, in plate coordinates
# (u across, v down, 0..1) of the CCPD-labelled corners; measured on rectified CCPD crops.
PROVINCE_BOX = (0.012, 0.06, 0.137, 0.94)
_UNIT = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)


class ProvinceSwap:
    """Replace the province glyph of a real China blue plate by another province's glyph.

    The real data is ~95 % 皖, so a reader trained on it learns "the first character is 皖". Here
    the donor glyph comes, with equal probability per province, from another real plate (real font
    and optics, only the provinces the training split has) or from a clean synthetic render (every
    province). The donor is warped into the recipient's plate geometry, its colour statistics are
    matched to the recipient's glyph cell, and it is blended with a feathered mask; the label's first
    character changes with it. Everything else in the crop stays real.
    """

    def __init__(self, pool: RealPool, synth_glyphs: list[tuple[np.ndarray, np.ndarray, str]] | None = None,
                 p_real: float = 0.5):
        ok = np.isfinite(pool.plate_quads).all(axis=(1, 2)) & np.array([len(t) == 7 for t in pool.texts], bool)
        self.recipients = ok
        by_prov: dict[str, list[int]] = {}
        for i in np.flatnonzero(ok):
            by_prov.setdefault(pool.texts[i][0], []).append(int(i))
        self.real = by_prov  # province -> pool indices
        self.provinces = sorted(by_prov)
        self.synth = synth_glyphs or []  # (plate image, corners lt,rt,rb,lb, province)
        self.p_real = p_real if self.synth else 1.0
        self.pool = pool

    def __call__(self, i: int, rng: np.random.Generator) -> tuple[np.ndarray, str] | None:
        """-> (context crop of sample ``i`` with a new province glyph, its text), or None if ``i`` can't."""
        pool = self.pool
        if not self.recipients[i] or not self.real:
            return None
        if rng.random() < self.p_real:
            prov = self.provinces[int(rng.integers(len(self.provinces)))]
            j = self.real[prov][int(rng.integers(len(self.real[prov])))]
            src, src_q = pool.ctx[j], pool.plate_quads[j]
        else:
            src, src_q, prov = self.synth[int(rng.integers(len(self.synth)))]
        dst = pool.ctx[i]
        h, w = dst.shape[:2]
        h_dst = cv2.getPerspectiveTransform(_UNIT, pool.plate_quads[i].astype(np.float32))  # unit -> recipient
        h_src = cv2.getPerspectiveTransform(_UNIT, np.asarray(src_q, np.float32))  # unit -> donor
        # small per-sample shift of the donor glyph (label noise in the corners of both plates)
        du, dv = rng.normal(0, 0.006), rng.normal(0, 0.02)
        shift = np.array([[1, 0, du], [0, 1, dv], [0, 0, 1]], np.float64)
        m = h_dst @ shift @ np.linalg.inv(h_src)  # donor px -> recipient px
        warped = cv2.warpPerspective(src, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        u0, v0, u1, v1 = PROVINCE_BOX
        cell = cv2.perspectiveTransform(np.array([[[u0, v0], [u1, v0], [u1, v1], [u0, v1]]], np.float32), h_dst)[0]
        hard = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(hard, np.round(cell).astype(np.int32), 1)
        sel = hard.astype(bool)
        if sel.sum() < 16:
            return None
        a = warped[sel].astype(np.float32)
        b = dst[sel].astype(np.float32)
        gain = np.clip(b.std(0) / (a.std(0) + 1e-3), 0.5, 2.0)
        warped = np.clip((warped.astype(np.float32) - a.mean(0)) * gain + b.mean(0), 0, 255)
        alpha = cv2.GaussianBlur(hard.astype(np.float32), (0, 0), 1.0)[..., None]
        out = (dst.astype(np.float32) * (1 - alpha) + warped * alpha).astype(np.uint8)
        return out, prov + pool.texts[i][1:]


def synth_province_glyphs(provinces: str, per_province: int, seed: int) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Clean synthetic China blue plates (image, CCPD-style labelled corners, province), for ProvinceSwap."""
    from platekit.synth.generator import CCPD_LABEL_EXPAND, PlateSynth, expand_sides, random_text

    gen = PlateSynth(formats=("cn-blue",), size=(144, 48))
    rng = np.random.default_rng([seed, 7])
    out = []
    for p in provinces:
        for _ in range(per_province):
            text = p + random_text("cn-blue", rng)[1:]
            img, corners = gen.render_plate(text, "cn-blue", rng, pad=0.1)
            q = expand_sides(np.asarray(corners, np.float32), np.asarray(CCPD_LABEL_EXPAND))
            out.append((img, q, p))
    return out


def make_train_stream(pool: RealPool | None, synth, ratio: float, size: tuple[int, int],
                      strength: float, n: int, seed: int, jitter: tuple[float, float] = (0.02, 0.05),
                      swap: ProvinceSwap | None = None, swap_p: float = 0.0, exposure: bool = False,
                      backend: str = "hand", lowres_p: float = 0.0):
    """An IterableDataset of ``n`` (uint8 [H, W, 3], text) per epoch: synthetic with prob ``ratio``.

    ``lowres_p``: probability that a crop (real or synthetic) is cut loosely (:func:`loosen_quad`) and
    passed through :func:`lowres` after the photometric augmentation; 0 draws nothing (the stream is
    then sample for sample the one without it)."""
    import torch
    from torch.utils.data import IterableDataset, get_worker_info

    if pool is None or len(pool) == 0:
        ratio = 1.0
    if synth is None and ratio > 0:
        raise PlatekitError("no synthetic generator configured but the real data is empty or ratio > 0")

    class _Stream(IterableDataset):
        def __init__(self):
            self.epoch = 0

        def __len__(self):
            return n

        def __iter__(self):
            info = get_worker_info()
            wid, nw = (info.id, info.num_workers) if info else (0, 1)
            # each DDP process draws its own samples (seed_everything gives every rank the same torch seed)
            rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
            rng = np.random.default_rng([seed, self.epoch, wid, int(torch.initial_seed()) % 2**31, rank])
            self.epoch += 1
            real_aug = photometric_fn("hand" if exposure else backend, strength, int(rng.integers(2**31)))
            for _ in range(wid, n, nw):
                if rng.random() < ratio:
                    img, text, _ = synth.sample(rng)
                    low = lowres_p > 0 and rng.random() < lowres_p
                    if low:
                        img = loosen_crop(img, rng)
                    img = photometric(img, rng, 0.5 * strength)  # the generator already degrades
                else:
                    i = int(rng.integers(len(pool)))
                    ctx, text = pool.ctx[i], pool.texts[i]
                    if swap is not None and rng.random() < swap_p:
                        swapped = swap(i, rng)
                        if swapped is not None:
                            ctx, text = swapped
                    low = lowres_p > 0 and rng.random() < lowres_p
                    quad = loosen_quad(pool.quads[i], rng) if low else pool.quads[i]
                    img = warp_quad(ctx, quad, size, float(pool.margins[i]), rng, strength, jitter)
                    img = photometric(img, rng, strength, exposure) if exposure else real_aug(img, rng)
                if low:
                    img = lowres(img, rng)
                yield torch.from_numpy(np.ascontiguousarray(img)), text

    return _Stream()


def collate(batch):
    import torch

    imgs = torch.stack([b[0] for b in batch])  # uint8 [N, H, W, 3]
    return imgs, [b[1] for b in batch]
