"""Scene mode for detector training: plates pasted onto backgrounds with their 4 corners recorded.

Backgrounds are random textures/gradients/noise, or real images given at runtime (real plates in
them are blurred out when their boxes are known, so they do not become unlabelled positives).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import cv2
import numpy as np

from platekit.core.image import imwrite_rgb, load_image
from platekit.errors import PlatekitError
from platekit.synth.effects import camera, jpeg
from platekit.synth.generator import PlateSynth, random_text, sample_rng
from platekit.synth.layouts import plate_size_mm


def random_background(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """Gradient + blobs + lines + noise texture. RGB uint8 [h, w, 3]."""
    cells = (int(rng.integers(2, 9)), int(rng.integers(2, 9)))
    img = cv2.resize(rng.uniform(0, 255, cells + (3,)).astype(np.uint8), (w, h), interpolation=cv2.INTER_CUBIC)
    for _ in range(int(rng.integers(3, 25))):  # structures: rectangles and lines (cars, buildings, signs)
        col = rng.uniform(0, 255, 3).tolist()
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p2 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        if rng.random() < 0.5:
            cv2.rectangle(img, p1, p2, col, -1 if rng.random() < 0.6 else int(rng.integers(1, 6)))
        else:
            cv2.line(img, p1, p2, col, int(rng.integers(1, 8)), cv2.LINE_AA)
    noise = rng.normal(0, rng.uniform(2, 15), (h, w, 1)).astype(np.float32)
    return np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def real_background(w: int, h: int, rng: np.random.Generator, image: np.ndarray,
                    boxes: Sequence[Sequence[float]] = ()) -> np.ndarray:
    """A random crop of a real image resized to (w, h); its known plate boxes blurred out first."""
    return real_background_boxes(w, h, rng, image, boxes)[0]


def real_background_boxes(w: int, h: int, rng: np.random.Generator, image: np.ndarray,
                          boxes: Sequence[Sequence[float]] = (), tries: int = 1
                          ) -> tuple[np.ndarray, list[tuple[float, ...]]]:
    """``real_background`` and the blurred plate boxes that lie wholly inside the crop, in scene pixels.

    ``tries`` > 1: up to that many crops are drawn until one holds a whole box, then the whole image."""
    img = image.copy()
    for x1, y1, x2, y2 in boxes:
        x1, y1 = max(0, int(x1) - 2), max(0, int(y1) - 2)
        x2, y2 = min(img.shape[1], int(x2) + 2), min(img.shape[0], int(y2) + 2)
        if x2 - x1 > 2 and y2 - y1 > 2:
            k = max(3, (max(x2 - x1, y2 - y1) // 2) | 1)
            img[y1:y2, x1:x2] = cv2.blur(img[y1:y2, x1:x2], (k, k))
    ih, iw = img.shape[:2]
    tries = max(1, int(tries))
    for t in range(tries + (tries > 1)):
        s = rng.uniform(0.5, 1.0) if t < tries else 1.0
        cw, ch = max(8, int(iw * s)), max(8, int(ih * s))
        x0, y0 = (int(rng.integers(0, iw - cw + 1)), int(rng.integers(0, ih - ch + 1))) if t < tries else (0, 0)
        sx, sy = w / cw, h / ch
        inside = [((x1 - x0) * sx, (y1 - y0) * sy, (x2 - x0) * sx, (y2 - y0) * sy) for x1, y1, x2, y2 in boxes
                  if x1 >= x0 and y1 >= y0 and x2 <= x0 + cw and y2 <= y0 + ch]
        if inside:
            break
    return cv2.resize(img[y0 : y0 + ch, x0 : x0 + cw], (w, h), interpolation=cv2.INTER_AREA), inside


def _quad_shape(pw: float, ph: float, rng: np.random.Generator, d: float) -> np.ndarray:
    """Random lt,rt,rb,lb quad of a pw x ph plate centred at (0, 0) (rotation, perspective, shear)."""
    ang = np.deg2rad(rng.normal(0, 5 + 12 * d))
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    q = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    q = q * (1 + rng.normal(0, 0.04 + 0.08 * d, (4, 2)))  # perspective-like corner moves
    q = q @ rot.T
    if rng.random() < 0.5:  # horizontal shear (camera at the side)
        q[:, 1] += q[:, 0] * rng.normal(0, 0.15 * (0.3 + d))
    return q


def _plate_quad(pw: float, ph: float, w: int, h: int, rng: np.random.Generator, d: float) -> np.ndarray:
    """Random lt,rt,rb,lb quad of a pw x ph plate inside a w x h scene (rotation, perspective)."""
    q = _quad_shape(pw, ph, rng, d)
    lo, hi = q.min(0), q.max(0)
    cx = rng.uniform(-lo[0] + 2, w - hi[0] - 2) if hi[0] - lo[0] < w - 4 else w / 2
    cy = rng.uniform(-lo[1] + 2, h - hi[1] - 2) if hi[1] - lo[1] < h - 4 else h / 2
    return (q + [cx, cy]).astype(np.float32)


def _free(box: np.ndarray, taken: Sequence[np.ndarray]) -> bool:
    """True when ``box`` (x1, y1, x2, y2) overlaps none of the boxes already ``taken``."""
    return all(box[2] < t[0] or box[0] > t[2] or box[3] < t[1] or box[1] > t[3] for t in taken)


def synth_scene(rng: np.random.Generator, background: np.ndarray | None = None, n_plates: int | None = None,
                size: tuple[int, int] = (640, 480), formats: Sequence[str] = ("cn-blue",),
                difficulty: float = 0.5, bg_boxes: Sequence[Sequence[float]] = (),
                plate_width: tuple[float, float] = (0.08, 0.4), on_plates: bool = False, crop_tries: int = 1):
    """-> (RGB uint8 [h, w, 3], [(text, fmt, corners [4, 2] lt,rt,rb,lb, box (x1, y1, x2, y2)), ...]).

    ``plate_width``: range of a plate's width as a share of the scene width (uniform).
    ``on_plates``: with a real background and its plate boxes, each synthetic plate goes where a real plate was
    (centred on its blurred box, 1.0-1.2x its width, the synthetic plate's own aspect; up to 3), so plates sit on
    cars and not on walls or sky; ``plate_width`` and ``n_plates`` apply only when no plate could be placed so
    (no whole box of at least 6 px in the crop: about a quarter of openlpr scenes at 640x480). A plate may reach
    past the scene's edge when its box is near it (its box is clipped, as for any plate). ``crop_tries`` > 1: the
    background crop is drawn up to that many times until it holds a whole box, then the whole image is used.
    """
    w, h = size
    d = difficulty
    slots: list[tuple[float, ...]] = []
    if background is None:
        img = random_background(w, h, rng)
    elif on_plates:
        img, slots = real_background_boxes(w, h, rng, background, bg_boxes, crop_tries)
        slots = [b for b in slots if b[2] - b[0] >= 6 and b[3] > b[1]]  # a plate needs a few pixels
        slots = [slots[i] for i in rng.permutation(len(slots))[:3]]
    else:
        img = real_background(w, h, rng, background, bg_boxes)
    synth = PlateSynth(formats, difficulty=d)
    plates, taken = [], []

    def place(slot: tuple[float, ...] | None) -> None:
        """One plate: centred on ``slot`` at about its width, or anywhere (None); skipped when it overlaps."""
        nonlocal img
        fmt = formats[int(rng.integers(len(formats)))]
        text = random_text(fmt, rng)
        mm_w, mm_h = plate_size_mm(fmt)
        if slot is not None:  # where a real plate was: its centre, about its width
            x1, y1, x2, y2 = slot
            pw = (x2 - x1) * rng.uniform(1.0, 1.2)
            ph = pw * mm_h / mm_w
            quad = (_quad_shape(pw, ph, rng, 0.5 * d) + [(x1 + x2) / 2, (y1 + y2) / 2]).astype(np.float32)
            box = np.concatenate([quad.min(0), quad.max(0)])
            if not _free(box, taken):
                return
        else:
            pw = rng.uniform(*plate_width) * w  # plate width in scene pixels
            ph = pw * mm_h / mm_w
            for _try in range(10):
                quad = _plate_quad(pw, ph, w, h, rng, d)
                box = np.concatenate([quad.min(0), quad.max(0)])
                if _free(box, taken):
                    break
            else:
                return
        k = max(0.15, min(2.0, 1.3 * pw / mm_w))
        plate, corners = synth.render_plate(text, fmt, rng, px_per_mm=k, pad=0.0)
        mask = np.zeros(plate.shape[:2], np.uint8)
        cv2.fillConvexPoly(mask, corners.astype(np.int32), 255)
        m = cv2.getPerspectiveTransform(corners, quad)
        warped = cv2.warpPerspective(plate, m, (w, h), flags=cv2.INTER_AREA)
        wmask = cv2.warpPerspective(mask, m, (w, h), flags=cv2.INTER_LINEAR)
        gain = rng.uniform(0.5, 1.2)
        a = (wmask.astype(np.float32) / 255)[..., None]
        img = (img * (1 - a) + np.clip(warped * gain, 0, 255) * a).astype(np.uint8)
        taken.append(box)
        x1, y1 = np.clip(box[:2], 0, [w - 1, h - 1])
        x2, y2 = np.clip(box[2:], 0, [w - 1, h - 1])
        plates.append((text, fmt, quad, (float(x1), float(y1), float(x2), float(y2))))

    for slot in slots:
        place(slot)
    if not plates:  # no slot (or none placed): anywhere in the scene
        for _ in range(int(rng.integers(1, 4)) if n_plates is None else int(n_plates)):
            place(None)
    img = np.clip(camera(img.astype(np.float32), rng, d * 0.6), 0, 255).astype(np.uint8)
    if rng.random() < 0.7:
        img = jpeg(img, int(rng.uniform(95 - 50 * d, 95)))
    return img, plates


def _load_backgrounds(path: str) -> list[tuple[str, list]]:
    """Images under ``path`` (with their boxes when a detection labels.jsonl is there)."""
    from platekit.core.image import IMAGE_EXTS

    out: list[tuple[str, list]] = []
    jl = os.path.join(path, "labels.jsonl")
    if os.path.isfile(jl):
        with open(jl, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    out.append((os.path.join(path, r["image"]), r.get("boxes", [])))
        return out
    for root, _, files in os.walk(path):
        for fn in sorted(files):
            if os.path.splitext(fn)[1].lower() in IMAGE_EXTS:
                out.append((os.path.join(root, fn), []))
    if not out:
        raise PlatekitError(f"{path}: no background images found")
    return out


def write_scenes(out_dir: str, formats: Sequence[str] = ("cn-blue",), n: int = 100, seed: int = 0,
                 size: tuple[int, int] = (640, 480), difficulty: float = 0.5,
                 backgrounds: str | None = None, real_fraction: float = 0.7,
                 plate_width: tuple[float, float] = (0.08, 0.4), on_plates: bool = False,
                 crop_tries: int = 1) -> str:
    """Write ``n`` scenes + ``labels.jsonl`` in the detection JSONL format; returns the JSONL path.

    ``on_plates``: see ``synth_scene`` (real backgrounds with plate boxes only)."""
    bgs = _load_backgrounds(backgrounds) if backgrounds else []
    if on_plates:
        if not any(b for _, b in bgs):
            raise PlatekitError("--on-plates needs --backgrounds with a labels.jsonl of plate boxes")
        bgs, real_fraction = [(p, b) for p, b in bgs if b], 1.0
    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    jl = os.path.join(out_dir, "labels.jsonl")
    with open(jl, "w", encoding="utf-8") as f:
        for i in range(n):
            rng = sample_rng(seed, i)
            bg, boxes = None, []
            if bgs and rng.random() < real_fraction:
                p, boxes = bgs[int(rng.integers(len(bgs)))]
                bg = load_image(p)
            img, plates = synth_scene(rng, bg, None, size, tuple(formats), difficulty, boxes, plate_width, on_plates,
                                      crop_tries)
            rel = f"images/{i:07d}.jpg"
            imwrite_rgb(os.path.join(out_dir, rel), img)
            rec = {
                "image": rel, "width": size[0], "height": size[1],
                "boxes": [[round(v, 1) for v in p[3]] for p in plates],
                "corners": [[[round(float(x), 1), round(float(y), 1)] for x, y in p[2]] for p in plates],
                "texts": [p[0] for p in plates],
                "formats": [p[1] for p in plates],
            }
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return jl
