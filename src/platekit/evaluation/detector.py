"""Detector metrics in numpy: threshold + NMS, greedy IoU matching, AP50, recall/precision at a
threshold, best recall at a precision floor, corner error normalised by plate width, galleries."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import cv2
import numpy as np

from platekit.core.geometry import box_iou, nms


def postprocess(raw: np.ndarray, score_threshold: float, nms_iou: float, max_det: int = 50) -> np.ndarray:
    """Raw detections [A, 13] -> kept rows [K, 13] (score >= threshold, NMS), best first."""
    raw = raw[raw[:, 0] >= score_threshold]
    if not len(raw):
        return raw.reshape(0, 13)
    keep = nms(raw[:, 1:5], raw[:, 0], nms_iou)[:max_det]
    return raw[keep]


@dataclass
class ImageGT:
    boxes: np.ndarray  # [M, 4] x1 y1 x2 y2
    corners: np.ndarray | None = None  # [M, 4, 2] lt rt rb lb, or None when the data has no corners
    name: str = ""


@dataclass
class MatchResult:
    scores: np.ndarray  # [K] detection scores
    tp: np.ndarray  # [K] bool: matched a gt at IoU >= iou_thr
    gt_index: np.ndarray  # [K] matched gt index or -1
    n_gt: int
    extra: dict = field(default_factory=dict)


def match(dets: np.ndarray, gt: ImageGT, iou_thr: float = 0.5) -> MatchResult:
    """Greedy by score: each detection takes the unmatched gt with the highest IoU >= iou_thr."""
    k, m = len(dets), len(gt.boxes)
    tp = np.zeros(k, bool)
    gi = np.full(k, -1, np.int64)
    if k and m:
        ious = box_iou(dets[:, 1:5], gt.boxes)
        used = np.zeros(m, bool)
        for i in np.argsort(-dets[:, 0], kind="stable"):
            cand = np.where(~used & (ious[i] >= iou_thr), ious[i], -1.0)
            j = int(cand.argmax())
            if cand[j] >= iou_thr:
                used[j], tp[i], gi[i] = True, True, j
    return MatchResult(dets[:, 0].copy() if k else np.zeros(0, np.float32), tp, gi, m)


def average_precision(results: list[MatchResult]) -> float:
    """All-point interpolated AP (VOC 2010+) over a dataset."""
    n_gt = sum(r.n_gt for r in results)
    if n_gt == 0:
        return float("nan")
    scores = np.concatenate([r.scores for r in results]) if results else np.zeros(0)
    tp = np.concatenate([r.tp for r in results]) if results else np.zeros(0, bool)
    order = np.argsort(-scores, kind="stable")
    tp = tp[order].astype(np.float64)
    ctp, cfp = np.cumsum(tp), np.cumsum(1 - tp)
    rec = ctp / n_gt
    prec = ctp / np.maximum(ctp + cfp, 1e-9)
    mrec = np.concatenate([[0.0], rec, [1.0]])
    mpre = np.concatenate([[1.0], prec, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    idx = np.where(mrec[1:] != mrec[:-1])[0]
    return float(((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]).sum())


def pr_at(results: list[MatchResult], thr: float) -> tuple[float, float, int, int, int]:
    """(recall, precision, tp, fp, fn) counting detections with score >= thr."""
    n_gt = sum(r.n_gt for r in results)
    tp = sum(int((r.tp & (r.scores >= thr)).sum()) for r in results)
    fp = sum(int((~r.tp & (r.scores >= thr)).sum()) for r in results)
    return tp / max(n_gt, 1), tp / max(tp + fp, 1), tp, fp, n_gt - tp


def recall_at_precision(results: list[MatchResult], min_precision: float) -> tuple[float, float]:
    """Best recall over score thresholds whose precision >= min_precision -> (recall, threshold)."""
    n_gt = sum(r.n_gt for r in results)
    scores = np.concatenate([r.scores for r in results])
    tp = np.concatenate([r.tp for r in results])
    order = np.argsort(-scores, kind="stable")
    scores, tp = scores[order], tp[order].astype(np.float64)
    ctp, cfp = np.cumsum(tp), np.cumsum(1 - tp)
    prec = ctp / np.maximum(ctp + cfp, 1e-9)
    ok = np.where(prec >= min_precision)[0]
    if not len(ok) or n_gt == 0:
        return 0.0, 1.0
    i = ok[np.argmax(ctp[ok])]
    return float(ctp[i] / n_gt), float(scores[i])


def corner_errors(dets: np.ndarray, gt: ImageGT, res: MatchResult, thr: float) -> list[float]:
    """Per matched plate: mean L2 corner distance / plate width (width = mean of top and bottom edges)."""
    if gt.corners is None:
        return []
    out = []
    for i in np.where(res.tp & (res.scores >= thr))[0]:
        g = gt.corners[res.gt_index[i]].reshape(4, 2)
        p = dets[i, 5:13].reshape(4, 2)
        width = (np.linalg.norm(g[1] - g[0]) + np.linalg.norm(g[2] - g[3])) / 2
        out.append(float(np.linalg.norm(p - g, axis=1).mean() / max(width, 1e-6)))
    return out


def summarize(all_dets: list[np.ndarray], gts: list[ImageGT], thr: float, iou_thr: float = 0.5) -> dict:
    """Metrics over a dataset: dets per image [K, 13] in the gt's pixel frame (kept at a low threshold)."""
    results = [match(d, g, iou_thr) for d, g in zip(all_dets, gts, strict=True)]
    rec, prec, tp, fp, fn = pr_at(results, thr)
    r99, t99 = recall_at_precision(results, 0.99)
    cerr = [e for d, g, r in zip(all_dets, gts, results, strict=True) for e in corner_errors(d, g, r, thr)]
    return {
        "images": len(gts),
        "plates": sum(r.n_gt for r in results),
        "ap50": average_precision(results),
        "threshold": thr,
        "recall": rec,
        "precision": prec,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "recall_at_p99": r99,
        "threshold_at_p99": t99,
        "corner_error_mean": float(np.mean(cerr)) if cerr else None,
        "corner_error_p95": float(np.percentile(cerr, 95)) if cerr else None,
        "corner_plates": len(cerr),
    }


def draw(image: np.ndarray, dets: np.ndarray, gt: ImageGT, thr: float) -> np.ndarray:
    """RGB image with gt boxes (green), detections >= thr (TP blue, FP red) and predicted corners."""
    img = image.copy()
    for b in gt.boxes.astype(int):
        cv2.rectangle(img, (b[0], b[1]), (b[2], b[3]), (0, 220, 0), 2)
    res = match(dets, gt)
    for d, ok in zip(dets, res.tp, strict=True):
        if d[0] < thr:
            continue
        col = (40, 120, 255) if ok else (255, 30, 30)
        b = d[1:5].astype(int)
        cv2.rectangle(img, (b[0], b[1]), (b[2], b[3]), col, 1)
        cv2.polylines(img, [d[5:13].reshape(4, 2).astype(np.int32)], True, (255, 220, 0), 1)
        cv2.putText(img, f"{d[0]:.2f}", (b[0], max(10, b[1] - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, col, 1)
    return img


def gallery(
    items: list[tuple[np.ndarray, np.ndarray, ImageGT]], path: str, thr: float, tile: int = 320, cols: int = 4
) -> str | None:
    """Contact sheet of (image, dets, gt) with misses / false positives drawn; returns the path or None."""
    if not items:
        return None
    tiles = []
    for img, dets, gt in items:
        vis = draw(img, dets, gt, thr)
        s = tile / max(vis.shape[:2])
        vis = cv2.resize(vis, (max(1, int(vis.shape[1] * s)), max(1, int(vis.shape[0] * s))))
        t = np.full((tile, tile, 3), 255, np.uint8)
        t[: vis.shape[0], : vis.shape[1]] = vis
        cv2.putText(t, os.path.basename(gt.name)[:40], (2, tile - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1)
        tiles.append(t)
    while len(tiles) % cols:
        tiles.append(np.full((tile, tile, 3), 255, np.uint8))
    rows = [np.concatenate(tiles[i : i + cols], 1) for i in range(0, len(tiles), cols)]
    sheet = np.concatenate(rows, 0)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    cv2.imwrite(path, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    return path
