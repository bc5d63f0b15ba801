"""Plate detector training: config, scene cache, augmentation, target assignment + losses, Lightning.

Data: CCPD scenes (box + 4 corners from the file name, split by plate text with
``platekit.data.split.split_by_text``) and openlpr_detection (boxes only; train/val from its
labels.jsonl). Every scene is decoded once into a cache (long side ``cache_long_side``) so epochs
augment small arrays: scale jitter + random crop (one affine warp), colour, blur, noise, JPEG and a
horizontal flip that reorders the corners (lt, rt, rb, lb) -> (rt, lt, lb, rb) after mirroring x.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from pydantic import Field

from platekit.inference.detector import PAD_VALUE, letterbox  # noqa: E402  (one letterbox for train and inference)
from platekit.train.config import OptimConfig, StrictModel, TrainerConfig

log = logging.getLogger(__name__)

FLIP_ORDER = [1, 0, 3, 2]  # after mirroring x: new lt = old rt, new rt = old lt, new rb = old lb, new lb = old rb


# ----------------------------------------------------------------------------------------- config
class DetModelConfig(StrictModel):
    name: str = "plate_detector"
    args: dict[str, Any] = Field(default_factory=dict)


class DetDataConfig(StrictModel):
    ccpd_root: str | None = "../shared/data/ccpd2019_base"
    openlpr_root: str | None = "../shared/data/openlpr_detection"
    val_fraction: float = Field(0.2, ge=0, le=1)
    cache_dir: str = "runs/det/cache"
    cache_long_side: int = Field(512, ge=64)
    train_size: int = Field(320, ge=32)  # square training crop, taken at the inference scale x jitter
    scale_jitter: tuple[float, float] = (0.6, 1.5)
    focus_p: float = Field(0.85, ge=0, le=1)  # crop placed around a random plate (else anywhere)
    flip_p: float = Field(0.5, ge=0, le=1)
    color_p: float = Field(0.8, ge=0, le=1)
    blur_p: float = Field(0.3, ge=0, le=1)
    noise_p: float = Field(0.2, ge=0, le=1)
    jpeg_p: float = Field(0.2, ge=0, le=1)
    gray_p: float = Field(0.05, ge=0, le=1)
    ccpd_repeat: int = Field(1, ge=0)
    openlpr_repeat: int = Field(2, ge=0)
    # more training scenes in the detection-JSONL format (every record trains, whatever its folder), e.g.
    # `platekit synth --scene` output: [{path: runs/det/synth_scenes, repeat: 1}]
    extra_train: list[dict[str, Any]] = Field(default_factory=list)
    samples_per_epoch: int | None = None  # None: the whole (repeated) training list
    batch_size: int = Field(16, ge=1)
    num_workers: int = Field(0, ge=0)
    val_max_images: int | None = None


class DetLossConfig(StrictModel):
    box_weight: float = 2.0
    corner_weight: float = 1.0
    center_radius: float = 2.5  # positives: inside the box and within radius * stride of its centre
    # a plate (max side in input px) is assigned to level i when lo_i <= size < hi_i (ranges overlap)
    level_ranges: list[tuple[float, float]] = [(0, 96), (48, 192), (96, 1e8)]


class DetDistillConfig(StrictModel):
    """Distillation from a trained detector (a slimmer student keeps its teacher's behaviour on every crop,
    small and unlabelled plates included): soft quality-focal score targets = the teacher's scores, and the
    teacher's boxes and corners (L1 in stride units, weighted by the teacher's score where it is >= min_score)."""

    teacher: str | None = None  # checkpoint of the teacher (same strides); None: no distillation
    weight: float = 1.0  # of the distillation losses, added to the label losses
    geo_weight: float = 1.0  # boxes + corners against the score term
    min_score: float = 0.05


class DetectorTrainConfig(StrictModel):
    kind: Literal["detector"] = "detector"
    out_dir: str = "runs/det/exp"
    seed: int = 0
    model: DetModelConfig = DetModelConfig()
    data: DetDataConfig = DetDataConfig()
    loss: DetLossConfig = DetLossConfig()
    optim: OptimConfig = OptimConfig(lr=2e-3, schedule="plateau", backbone_lr_mult=0.1)
    trainer: TrainerConfig = TrainerConfig(num_threads=1)
    score_threshold: float = Field(0.4, gt=0, lt=1)
    nms_iou: float = Field(0.4, gt=0, lt=1)
    monitor: str = "val/ap50"
    init_from: str | None = None  # start from this checkpoint's weights (fine-tuning), not a resume
    distill: DetDistillConfig = DetDistillConfig()


# ------------------------------------------------------------------------------------------- data
def ccpd_records(root: str) -> list[dict]:
    """CCPD scenes -> [{path, text, width, height, boxes [1,4], corners [1,4,2]}] (unparsable names skipped)."""
    from platekit.core.ccpd import CCPDParseError, parse_ccpd_name

    out = []
    for name in sorted(os.listdir(root)):
        if not name.lower().endswith((".jpg", ".jpeg", ".png")):
            continue
        try:
            r = parse_ccpd_name(name)
        except CCPDParseError:
            continue
        out.append(
            {
                "path": os.path.join(root, name),
                "text": r.text,
                "width": 720,
                "height": 1160,
                "boxes": [list(r.box)],
                "corners": [[list(p) for p in r.corners]],
            }
        )
    return out


def ccpd_split(root: str, val_fraction: float = 0.2) -> tuple[list[dict], list[dict]]:
    from platekit.data.split import split_by_text

    return split_by_text(ccpd_records(root), val_fraction, key=lambda r: r["text"])


def jsonl_records(root: str) -> tuple[list[dict], list[dict]]:
    """openlpr-style labels.jsonl -> (train, val) by the image's first path component."""
    p = Path(root)
    lab = p / "labels.jsonl" if p.is_dir() else p
    base = lab.parent
    train, val = [], []
    for line in lab.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        rec = {
            "path": str(base / d["image"]),
            "text": "",
            "width": d["width"],
            "height": d["height"],
            "boxes": d["boxes"],
            "corners": d.get("corners"),
        }
        (val if d["image"].split("/")[0] == "val" else train).append(rec)
    return train, val


class SceneCache:
    """Scenes decoded once, resized so the long side is ``long_side``; one flat uint8 memmap + index."""

    def __init__(self, records: list[dict], cache_dir: str, long_side: int, tag: str):
        from platekit.core.image import load_image

        key = hashlib.md5(json.dumps([r["path"] for r in records]).encode()).hexdigest()[:10]
        os.makedirs(cache_dir, exist_ok=True)
        stem = os.path.join(cache_dir, f"{tag}_{long_side}_{key}")
        if not os.path.exists(stem + ".json"):
            metas, chunks, off = [], [], 0
            for r in records:
                img = load_image(r["path"])
                h, w = img.shape[:2]
                s = long_side / max(h, w)
                small = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
                chunks.append(small.reshape(-1))
                metas.append({"offset": off, "shape": list(small.shape), "scale": s, "orig": [h, w]})
                off += small.size
            np.save(stem + ".npy", np.concatenate(chunks) if chunks else np.zeros(0, np.uint8))
            Path(stem + ".json").write_text(json.dumps(metas))
        self.metas = json.loads(Path(stem + ".json").read_text())
        self.data = np.load(stem + ".npy", mmap_mode="r")
        self.records = records

    def __len__(self) -> int:
        return len(self.records)

    def get(self, i: int) -> tuple[np.ndarray, float, dict]:
        """-> (RGB image [h, w, 3], cache scale = cache px per original px, record)."""
        m = self.metas[i]
        n = int(np.prod(m["shape"]))
        img = np.asarray(self.data[m["offset"] : m["offset"] + n]).reshape(m["shape"])
        return img, m["scale"], self.records[i]


def record_targets(rec: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """-> boxes [M, 4], corners [M, 4, 2] (zeros if absent), has_corners [M] in original pixels."""
    boxes = np.asarray(rec["boxes"], np.float32).reshape(-1, 4)
    if rec.get("corners"):
        corners = np.asarray(rec["corners"], np.float32).reshape(-1, 4, 2)
        has = np.ones(len(boxes), np.float32)
    else:
        corners = np.zeros((len(boxes), 4, 2), np.float32)
        has = np.zeros(len(boxes), np.float32)
    return boxes, corners, has


def hflip(image: np.ndarray, boxes: np.ndarray, corners: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mirror an image [H, W, 3] and its labels; corners stay in lt, rt, rb, lb order."""
    w = image.shape[1]
    image = np.ascontiguousarray(image[:, ::-1])
    boxes = boxes.copy()
    boxes[:, [0, 2]] = w - boxes[:, [2, 0]]
    corners = corners.copy()
    corners[..., 0] = w - corners[..., 0]
    corners = corners[:, FLIP_ORDER]
    return image, boxes, corners


def color_jitter(img: np.ndarray, rng: np.random.Generator, gray_p: float) -> np.ndarray:
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-8, 8)) % 180
    hsv[..., 1] *= rng.uniform(0.6, 1.4)
    hsv[..., 2] = hsv[..., 2] * rng.uniform(0.6, 1.4) + rng.uniform(-25, 25)
    out = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB)
    c = rng.uniform(0.7, 1.3)
    out = np.clip((out.astype(np.float32) - 128) * c + 128, 0, 255).astype(np.uint8)
    if rng.random() < gray_p:
        out = np.repeat(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)[..., None], 3, -1)
    return out


def blur(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.5:
        k = int(rng.choice([3, 5]))
        return cv2.GaussianBlur(img, (k, k), 0)
    k = int(rng.integers(3, 8))
    ker = np.zeros((k, k), np.float32)
    ker[k // 2] = 1.0 / k
    m = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
    ker = cv2.warpAffine(ker, m, (k, k))
    return cv2.filter2D(img, -1, ker / max(ker.sum(), 1e-6))


class DetectionTrainSet(torch.utils.data.Dataset):
    """Random crops at the detector's inference scale x jitter, with photometric augmentation."""

    def __init__(self, caches: list[tuple[SceneCache, int]], cfg: DetDataConfig, input_size: tuple[int, int]):
        self.items = [(c, i) for c, rep in caches for _ in range(rep) for i in range(len(c))]
        self.cfg, self.input_size = cfg, input_size
        self.n = cfg.samples_per_epoch or len(self.items)
        self.epoch_seed = 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, idx: int):
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.epoch_seed, idx, info.id if info else 0, int.from_bytes(os.urandom(4))])
        cache, i = self.items[int(rng.integers(len(self.items)))] if self.cfg.samples_per_epoch else self.items[idx]
        img, cscale, rec = cache.get(i)
        return augment(img, cscale, rec, self.cfg, self.input_size, rng)


def augment(
    img: np.ndarray, cscale: float, rec: dict, cfg: DetDataConfig, input_size: tuple[int, int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cached scene -> (crop [T, T, 3] uint8, boxes [M, 4], corners [M, 4, 2], has_corners [M])."""
    t = cfg.train_size
    boxes, corners, has = record_targets(rec)
    oh, ow = rec["height"], rec["width"]
    base = min(input_size[0] / oh, input_size[1] / ow)  # original px -> input px at inference
    lo, hi = cfg.scale_jitter
    s = base * math.exp(rng.uniform(math.log(lo), math.log(hi)))  # original px -> crop px
    sw, sh = ow * s, oh * s
    if len(boxes) and rng.random() < cfg.focus_p:
        b = boxes[int(rng.integers(len(boxes)))] * s
        bw, bh = b[2] - b[0], b[3] - b[1]
        # place the plate uniformly inside the crop (fully visible when it fits)
        x0 = rng.uniform(b[2] - t + 2, b[0] - 2) if bw + 4 < t else b[0] + bw / 2 - t / 2
        y0 = rng.uniform(b[3] - t + 2, b[1] - 2) if bh + 4 < t else b[1] + bh / 2 - t / 2
    else:
        x0 = rng.uniform(min(0, sw - t), max(0, sw - t))
        y0 = rng.uniform(min(0, sh - t), max(0, sh - t))
    r = s / cscale  # cache px -> crop px
    # continuous coords: u_crop = r * u_cache - x0 (pixel centres at +0.5)
    m = np.array([[r, 0, 0.5 * r - 0.5 - x0], [0, r, 0.5 * r - 0.5 - y0]], np.float32)
    if r < 0.7:  # pre-shrink for less aliasing, then warp
        small = cv2.resize(img, (max(1, round(img.shape[1] * r)), max(1, round(img.shape[0] * r))), cv2.INTER_AREA)
        rx, ry = small.shape[1] / img.shape[1], small.shape[0] / img.shape[0]
        m = np.array([[r / rx, 0, 0.5 * r / rx - 0.5 - x0], [0, r / ry, 0.5 * r / ry - 0.5 - y0]], np.float32)
        img = small
    crop = cv2.warpAffine(
        img, m, (t, t), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(PAD_VALUE,) * 3
    )
    boxes = boxes * s - np.array([x0, y0, x0, y0], np.float32)
    corners = corners * s - np.array([x0, y0], np.float32)
    # keep plates mostly inside the crop
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    cl = boxes.copy()
    cl[:, [0, 2]] = cl[:, [0, 2]].clip(0, t)
    cl[:, [1, 3]] = cl[:, [1, 3]].clip(0, t)
    vis = (cl[:, 2] - cl[:, 0]).clip(0) * (cl[:, 3] - cl[:, 1]).clip(0) / np.maximum(area, 1e-6)
    keep = (vis >= 0.6) & ((cl[:, 2] - cl[:, 0]) >= 4) & ((cl[:, 3] - cl[:, 1]) >= 2)
    boxes, corners, has = cl[keep], corners[keep], has[keep]
    if rng.random() < cfg.flip_p:
        crop, boxes, corners = hflip(crop, boxes, corners)
    if rng.random() < cfg.color_p:
        crop = color_jitter(crop, rng, cfg.gray_p)
    if rng.random() < cfg.blur_p:
        crop = blur(crop, rng)
    if rng.random() < cfg.noise_p:
        crop = np.clip(crop + rng.normal(0, rng.uniform(3, 10), crop.shape), 0, 255).astype(np.uint8)
    if rng.random() < cfg.jpeg_p:
        ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 90))])
        crop = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) if ok else crop
    return np.ascontiguousarray(crop), boxes.astype(np.float32), corners.astype(np.float32), has


def collate(batch):
    """-> images uint8 [N, T, T, 3], boxes [N, M, 4], corners [N, M, 8], has [N, M], valid [N, M]."""
    n, m = len(batch), max(1, max(len(b[1]) for b in batch))
    boxes = torch.zeros(n, m, 4)
    corners = torch.zeros(n, m, 8)
    has = torch.zeros(n, m)
    valid = torch.zeros(n, m, dtype=torch.bool)
    for i, (_, b, c, h) in enumerate(batch):
        k = len(b)
        if k:
            boxes[i, :k] = torch.from_numpy(b)
            corners[i, :k] = torch.from_numpy(c.reshape(k, 8))
            has[i, :k] = torch.from_numpy(h)
            valid[i, :k] = True
    images = torch.from_numpy(np.stack([b[0] for b in batch]))
    return images, {"boxes": boxes, "corners": corners, "has_corners": has, "valid": valid}


class DetectionValSet(torch.utils.data.Dataset):
    """Cached scenes letterboxed to the input size; labels in input pixels."""

    def __init__(self, cache: SceneCache, input_size: tuple[int, int], limit: int | None = None):
        self.cache, self.input_size = cache, input_size
        self.n = min(len(cache), limit) if limit else len(cache)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        img, cscale, rec = self.cache.get(i)
        lb, s = letterbox(img, self.input_size)
        boxes, corners, has = record_targets(rec)
        s_orig = s * cscale
        return lb, boxes * s_orig, corners * s_orig, has


# ------------------------------------------------------------------------------- assignment + loss
def box_iou_pairs(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    lt = torch.maximum(a[..., :2], b[..., :2])
    rb = torch.minimum(a[..., 2:], b[..., 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area = (a[..., 2:] - a[..., :2]).clamp(min=0).prod(-1) + (b[..., 2:] - b[..., :2]).clamp(min=0).prod(-1)
    return inter / (area - inter).clamp(min=1e-6)


def giou_loss(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    iou = box_iou_pairs(a, b)
    lt = torch.minimum(a[..., :2], b[..., :2])
    rb = torch.maximum(a[..., 2:], b[..., 2:])
    hull = (rb - lt).clamp(min=0).prod(-1)
    lt_i = torch.maximum(a[..., :2], b[..., :2])
    rb_i = torch.minimum(a[..., 2:], b[..., 2:])
    inter = (rb_i - lt_i).clamp(min=0).prod(-1)
    union = (a[..., 2:] - a[..., :2]).clamp(min=0).prod(-1) + (b[..., 2:] - b[..., :2]).clamp(min=0).prod(-1) - inter
    return 1 - (iou - (hull - union) / hull.clamp(min=1e-6))


@torch.no_grad()
def assign(
    points: torch.Tensor, strides: torch.Tensor, targets: dict, cfg: DetLossConfig
) -> tuple[torch.Tensor, torch.Tensor]:
    """-> positive mask [N, A] and assigned gt index [N, A] (FCOS-style centre sampling + size ranges)."""
    gb, valid = targets["boxes"], targets["valid"]  # [N, M, 4], [N, M]
    n, m = valid.shape
    px, py = points[None, :, None, 0], points[None, :, None, 1]  # [1, A, 1]
    x1, y1, x2, y2 = (gb[:, None, :, k] for k in range(4))  # [N, 1, M]
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    inside = (px > x1) & (px < x2) & (py > y1) & (py < y2)
    r = cfg.center_radius * strides[None, :, None]
    central = ((px - cx).abs() < r) & ((py - cy).abs() < r)
    size = torch.maximum(x2 - x1, y2 - y1)  # [N, 1, M]
    lvl_lo = torch.zeros_like(strides)
    lvl_hi = torch.zeros_like(strides)
    for s, (lo, hi) in zip(sorted(set(strides.tolist())), cfg.level_ranges, strict=False):
        lvl_lo[strides == s], lvl_hi[strides == s] = lo, hi
    in_range = (size >= lvl_lo[None, :, None]) & (size < lvl_hi[None, :, None])
    cand = inside & central & in_range & valid[:, None, :]  # [N, A, M]
    # every gt keeps at least one location: the nearest in-range point to its centre
    d = (px - cx) ** 2 + (py - cy) ** 2 + (~in_range) * 1e12  # [N, A, M]
    nearest = d.argmin(1)  # [N, M]
    force = torch.zeros_like(cand)
    force.scatter_(1, nearest[:, None, :], True)
    cand = cand | (force & valid[:, None, :])
    area = ((x2 - x1) * (y2 - y1)).expand(n, points.shape[0], m)
    area = torch.where(cand, area, torch.full_like(area, float("inf")))
    best_area, gt_idx = area.min(-1)  # smallest plate wins an ambiguous location
    return torch.isfinite(best_area), gt_idx


def detection_loss(out: dict, targets: dict, cfg: DetLossConfig) -> dict[str, torch.Tensor]:
    """Quality focal loss (score target = IoU), GIoU on boxes, smooth L1 on corners / stride (masked)."""
    logits, boxes, corners = out["logits"], out["boxes"], out["corners"]  # [N, A], [N, A, 4], [N, A, 8]
    pos, gi = assign(out["points"], out["strides"], targets, cfg)
    npos = max(1.0, float(pos.sum()))
    gt_boxes = torch.gather(targets["boxes"], 1, gi[..., None].expand(-1, -1, 4))  # [N, A, 4]
    gt_corners = torch.gather(targets["corners"], 1, gi[..., None].expand(-1, -1, 8))
    gt_has = torch.gather(targets["has_corners"], 1, gi)
    score_t = torch.zeros_like(logits)
    pb, gbp = boxes[pos], gt_boxes[pos]
    if pos.any():
        score_t[pos] = box_iou_pairs(pb.detach(), gbp).clamp(min=0.01)
    p = logits.sigmoid()
    qfl = F.binary_cross_entropy_with_logits(logits, score_t, reduction="none") * (p - score_t).abs().pow(2)
    loss_cls = qfl.sum() / npos
    if pos.any():
        loss_box = giou_loss(pb, gbp).mean()
        st = out["strides"][None].expand_as(logits)[pos][:, None]
        mask = gt_has[pos][:, None]
        kp = F.smooth_l1_loss(corners[pos] / st, gt_corners[pos] / st, beta=0.1, reduction="none")
        loss_kp = (kp * mask).sum() / (mask.sum() * 8).clamp(min=1)
    else:
        loss_box = loss_kp = boxes.sum() * 0
    total = loss_cls + cfg.box_weight * loss_box + cfg.corner_weight * loss_kp
    return {"loss": total, "cls": loss_cls.detach(), "box": loss_box.detach(), "kp": loss_kp.detach(), "npos": npos}


def distill_loss(student: dict, teacher: dict, cfg: DetDistillConfig) -> dict[str, torch.Tensor]:
    """Student and teacher outputs (``PlateDetector.forward`` dicts on the same batch) -> soft-target quality
    focal loss on the scores (normalised by the teacher's total score) + L1 of boxes and corners / stride,
    weighted by the teacher's score where it is >= ``min_score``. Zero when the student equals the teacher."""
    if student["logits"].shape != teacher["logits"].shape:
        raise ValueError(f"distill: student {tuple(student['logits'].shape)} and teacher "
                         f"{tuple(teacher['logits'].shape)} locations differ (the strides must match)")
    ps, pt = student["logits"].sigmoid(), teacher["logits"].sigmoid()
    qfl = F.binary_cross_entropy_with_logits(student["logits"], pt, reduction="none") * (ps - pt).abs().pow(2)
    score = qfl.sum() / pt.sum().clamp(min=1.0)
    w = pt * (pt >= cfg.min_score)
    st = student["strides"][None, :, None]
    geo = ((student["boxes"] - teacher["boxes"]).abs() / st).mean(-1) + \
        ((student["corners"] - teacher["corners"]).abs() / st).mean(-1)
    geo = (geo * w).sum() / w.sum().clamp(min=1e-6)
    return {"distill": score + cfg.geo_weight * geo, "distill_score": score.detach(), "distill_geo": geo.detach()}


# -------------------------------------------------------------------------------------- lightning
def val_collate(batch):
    images = torch.from_numpy(np.stack([b[0] for b in batch]))
    return images, [(b[1], b[2], b[3]) for b in batch]


def _lightning():
    import lightning as L

    from platekit.evaluation.detector import ImageGT, postprocess, summarize
    from platekit.models.registry import create_model

    class DetectorModule(L.LightningModule):
        def __init__(self, cfg: DetectorTrainConfig, val_names: list[str]):
            super().__init__()
            self.cfg = cfg
            self.val_names = val_names
            self.model = create_model(cfg.model.name, **cfg.model.args)
            self._val: dict[int, tuple[list, list]] = {}
            self.teacher = None
            if cfg.distill.teacher:
                from platekit.models.registry import load_checkpoint

                teacher, _ = load_checkpoint(cfg.distill.teacher)
                for q in teacher.parameters():
                    q.requires_grad_(False)
                # kept out of the module tree: not trained, not saved in checkpoints, always in eval mode
                self.__dict__["teacher"] = teacher.eval()

        def forward(self, x):
            return self.model(x)

        def training_step(self, batch, batch_idx):
            images, targets = batch
            out = self.model(images)
            losses = detection_loss(out, targets, self.cfg.loss)
            if self.teacher is not None:
                with torch.no_grad():
                    ref = self.teacher(images)
                d = distill_loss(out, ref, self.cfg.distill)
                losses["loss"] = losses["loss"] + self.cfg.distill.weight * d.pop("distill")
                losses.update(d)
            self.log_dict({f"train/{k}": float(v) for k, v in losses.items() if k != "loss"}, on_step=True)
            self.log("train/loss", losses["loss"], on_step=True, on_epoch=True, prog_bar=True)
            return losses["loss"]

        def on_validation_epoch_start(self):
            self._val = {}

        def validation_step(self, batch, batch_idx, dataloader_idx=0):
            images, labels = batch
            raw = self.model.forward_export(images).float().cpu().numpy()
            dets, gts = self._val.setdefault(dataloader_idx, ([], []))
            for r, (b, c, h) in zip(raw, labels, strict=True):
                dets.append(postprocess(r, 0.05, self.cfg.nms_iou))
                gts.append(ImageGT(b, c if h.all() and len(h) else None))

        def on_validation_epoch_end(self):
            aps = []
            for i, (dets, gts) in sorted(self._val.items()):
                m = summarize(dets, gts, self.cfg.score_threshold)
                name = self.val_names[i]
                self.log(f"val/{name}/ap50", m["ap50"], add_dataloader_idx=False)
                self.log(f"val/{name}/recall", m["recall"], add_dataloader_idx=False)
                self.log(f"val/{name}/precision", m["precision"], add_dataloader_idx=False)
                self.log(f"val/{name}/recall_at_p99", m["recall_at_p99"], add_dataloader_idx=False)
                if m["corner_error_mean"] is not None:
                    self.log(f"val/{name}/corner_error", m["corner_error_mean"], add_dataloader_idx=False)
                aps.append(m["ap50"])
                if self.trainer.is_global_zero:
                    log.info(f"[val epoch {self.current_epoch}] {name}: " + json.dumps(
                        {k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()}))
            if aps:
                self.log("val/ap50", float(np.mean(aps)), prog_bar=True, add_dataloader_idx=False)

        def configure_optimizers(self):
            o = self.cfg.optim
            from platekit.train.optim import build_optimizer

            opt, params = build_optimizer(self.model, o)
            if o.schedule == "plateau":
                sch = torch.optim.lr_scheduler.ReduceLROnPlateau(
                    opt, mode="max", factor=o.plateau_factor, patience=o.plateau_patience
                )
                return {"optimizer": opt, "lr_scheduler": {"scheduler": sch, "monitor": self.cfg.monitor}}
            if o.schedule == "exponential":
                return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.ExponentialLR(opt, o.gamma)}
            if o.schedule == "onecycle":
                from platekit.train.optim import one_cycle

                sch = one_cycle(opt, [g["lr"] for g in params], self.trainer.estimated_stepping_batches,
                                o.warmup_pct)
                return {"optimizer": opt, "lr_scheduler": {"scheduler": sch, "interval": "step"}}
            return opt

        def on_save_checkpoint(self, checkpoint):
            checkpoint["platekit"] = {
                "kind": "detector",
                "model_name": self.model.model_name,
                "model_args": self.model.model_args,
                "config": self.cfg.model_dump(mode="json"),
                "input_size": list(self.model.input_size),
                "score_threshold": self.cfg.score_threshold,
                "nms_iou": self.cfg.nms_iou,
            }

    return L, DetectorModule


def build_data(cfg: DetectorTrainConfig, input_size: tuple[int, int]):
    """-> (train set, [(val name, val set)])."""
    from platekit.errors import PlatekitError

    d = cfg.data
    train_caches, vals = [], []
    if d.ccpd_root:
        if not os.path.isdir(d.ccpd_root):
            raise PlatekitError(f"data.ccpd_root {d.ccpd_root!r} is not a directory")
        tr, va = ccpd_split(d.ccpd_root, d.val_fraction)
        train_caches.append((SceneCache(tr, d.cache_dir, d.cache_long_side, "ccpd_train"), d.ccpd_repeat))
        vals.append(("ccpd", SceneCache(va, d.cache_dir, d.cache_long_side, "ccpd_val")))
    if d.openlpr_root:
        if not os.path.exists(d.openlpr_root):
            raise PlatekitError(f"data.openlpr_root {d.openlpr_root!r} not found")
        tr, va = jsonl_records(d.openlpr_root)
        train_caches.append((SceneCache(tr, d.cache_dir, d.cache_long_side, "openlpr_train"), d.openlpr_repeat))
        vals.append(("openlpr", SceneCache(va, d.cache_dir, d.cache_long_side, "openlpr_val")))
    for k, src in enumerate(d.extra_train):
        path = src.get("path")
        if not path or not os.path.exists(path):
            raise PlatekitError(f"data.extra_train[{k}]: path {path!r} not found")
        tr, va = jsonl_records(path)
        train_caches.append((SceneCache(tr + va, d.cache_dir, d.cache_long_side, f"extra{k}"), int(src.get("repeat", 1))))
    if not train_caches:
        raise PlatekitError("no training data: set data.ccpd_root, data.openlpr_root or data.extra_train")
    train = DetectionTrainSet(train_caches, d, input_size)
    return train, [(n, DetectionValSet(c, input_size, d.val_max_images)) for n, c in vals]


def init_detector(model: torch.nn.Module, path: str) -> tuple[int, int]:
    """Copy the tensors of checkpoint ``path`` whose name and shape match ``model`` (a slimmer model,
    skip_blocks, starts from a full one); full convs the model factorizes are split by SVD first
    (factorize_blocks). -> (tensors loaded, tensors in the model)."""
    from platekit.models.detector import factorized_state
    from platekit.train.recognizer import init_from_checkpoint

    kept: dict[str, float] = {}

    def adapt(state: dict) -> dict:
        state, k = factorized_state(model, state)
        kept.update(k)
        return state

    loaded, total = init_from_checkpoint(model, path, adapt)
    for name, k in kept.items():
        print(f"init_from: {name} factorized (rank one per input channel), {k:.1%} of the kernel energy kept")
    print(f"init_from {path}: {loaded} of {total} tensors")
    return loaded, total


def train_detector(cfg: DetectorTrainConfig) -> str:
    """Train; returns the best checkpoint path (``out_dir/best.ckpt``)."""
    torch.set_num_threads(cfg.trainer.num_threads)
    torch.set_flush_denormal(True)
    L, DetectorModule = _lightning()
    from lightning.pytorch.callbacks import LearningRateMonitor
    from lightning.pytorch.loggers import CSVLogger

    from platekit.train.trainer import checkpoint_callbacks, make_trainer

    L.seed_everything(cfg.seed, workers=True)
    os.makedirs(cfg.out_dir, exist_ok=True)
    Path(cfg.out_dir, "config.json").write_text(json.dumps(cfg.model_dump(mode="json"), indent=2))
    module = DetectorModule(cfg, [])
    if cfg.init_from:
        init_detector(module.model, cfg.init_from)
    input_size = module.model.input_size
    train_set, vals = build_data(cfg, input_size)
    module.val_names = [n for n, _ in vals]
    d = cfg.data
    train_dl = torch.utils.data.DataLoader(
        train_set, batch_size=d.batch_size, shuffle=True, num_workers=d.num_workers, collate_fn=collate,
        drop_last=True, persistent_workers=d.num_workers > 0,
    )
    val_dls = [
        torch.utils.data.DataLoader(v, batch_size=8, num_workers=0, collate_fn=val_collate) for _, v in vals
    ]
    t = cfg.trainer
    ckpt_cb, last_cb = checkpoint_callbacks(cfg.out_dir, cfg.monitor)
    trainer = make_trainer(t, [ckpt_cb, last_cb, LearningRateMonitor()], gradient_clip_val=cfg.optim.grad_clip,
                           logger=CSVLogger(cfg.out_dir, name="logs"))
    trainer.fit(module, train_dl, val_dls or None)
    return ckpt_cb.best_model_path or last_cb.best_model_path  # (the unmonitored callback's file: the last epoch)
