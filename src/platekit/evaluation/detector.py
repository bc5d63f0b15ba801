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
    width: int = 0  # image width in pixels (for recall by plate size); 0: unknown


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


# plate width / image width: far plates first
SIZE_BINS = ((0.0, 0.05, "<5%"), (0.05, 0.1, "5-10%"), (0.1, 0.2, "10-20%"), (0.2, float("inf"), ">=20%"))


def recall_by_size(results: list[MatchResult], gts: list[ImageGT], thr: float) -> dict[str, dict]:
    """Recall at ``thr`` per plate-width bin (plate width / image width; needs ImageGT.width)."""
    found: dict[str, list[int]] = {name: [0, 0] for *_, name in SIZE_BINS}
    for r, g in zip(results, gts, strict=True):
        if not g.width:
            continue
        hit = set(r.gt_index[r.tp & (r.scores >= thr)].tolist())
        for j, b in enumerate(g.boxes):
            rel = float(b[2] - b[0]) / g.width
            name = next(n for lo, hi, n in SIZE_BINS if lo <= rel < hi)
            found[name][0] += j in hit
            found[name][1] += 1
    return {n: {"plates": t, "recall": k / t if t else None} for n, (k, t) in found.items()}


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
        "recall_by_size": recall_by_size(results, gts, thr),
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


# ------------------------------------------------------------------------------------ run a model
class DetectorRunner:
    """A detector checkpoint (.ckpt/.pt, torch) or .onnx (onnxruntime) -> raw [A, 13] per letterboxed image."""

    def __init__(self, path: str, threads: int = 1, input_size: tuple[int, int] | None = None):
        from platekit.errors import PlatekitError

        self.path = str(path)
        if not os.path.isfile(self.path):
            raise PlatekitError(f"{path}: detector model not found")
        if self.path.endswith(".onnx"):
            from platekit.inference.detector import OnnxDetector
            from platekit.inference.session import load_sidecar

            self.meta = load_sidecar(self.path)
            if input_size and tuple(input_size) != tuple(self.meta["input_size"]):
                raise PlatekitError("an ONNX detector has a fixed input size; re-export to change it")
            onnx = OnnxDetector(self.path, threads)
            self.onnx = onnx
            self.input_size = onnx.input_size
            self.stride = onnx.stride  # a dynamic-H/W graph gets the product's stride-multiple canvas
            self.model = None
        else:
            import torch

            from platekit.models.registry import load_checkpoint

            torch.set_num_threads(threads)
            torch.set_flush_denormal(True)
            try:
                self.model, self.meta = load_checkpoint(self.path)
            except (ValueError, RuntimeError, KeyError) as e:
                raise PlatekitError(f"{path}: cannot load detector checkpoint ({str(e)[:200]})") from None
            if input_size:
                self.model.input_size = tuple(input_size)
            self.input_size = tuple(self.model.input_size)
            self.stride = None  # the square canvas checkpoints are validated on
        self.score_threshold = float(self.meta.get("score_threshold", 0.4))
        self.nms_iou = float(self.meta.get("nms_iou", 0.4))

    def raw(self, batch: np.ndarray) -> np.ndarray:
        """uint8 [N, H, W, 3] letterboxed -> [N, A, 13]."""
        if self.model is None:
            return self.onnx.run(batch)
        import torch

        with torch.inference_mode():
            return self.model.forward_export(torch.from_numpy(batch)).numpy()

    def detect(self, image: np.ndarray, score_threshold: float, nms_iou: float) -> np.ndarray:
        """RGB scene -> kept detections [K, 13] in scene pixels."""
        from platekit.inference.detector import letterbox

        lb, s = letterbox(image, self.input_size, stride=self.stride)  # the letterbox OnnxDetector uses
        d = postprocess(self.raw(lb[None])[0], score_threshold, nms_iou).copy()
        d[:, 1:] /= s
        return d


def evaluate_detector(
    runner: DetectorRunner,
    records: list[dict],
    threshold: float | None = None,
    nms_iou: float | None = None,
    out_dir: str | None = None,
    gallery_max: int = 24,
    sweep: tuple[float, ...] = (),
) -> dict:
    """records: {path, boxes, corners|None} in scene pixels -> metrics (+ galleries in out_dir).
    ``sweep``: extra thresholds at which recall / precision are reported (detections kept >= 0.05)."""
    import time

    from platekit.core.image import load_image

    thr = runner.score_threshold if threshold is None else threshold
    iou = runner.nms_iou if nms_iou is None else nms_iou
    dets, gts, times = [], [], []
    misses, fps = [], []
    for rec in records:
        img = load_image(rec["path"])
        t0 = time.perf_counter()
        d = runner.detect(img, min(0.05, thr), iou)
        times.append(time.perf_counter() - t0)
        corners = np.asarray(rec["corners"], np.float32).reshape(-1, 4, 2) if rec.get("corners") else None
        gt = ImageGT(np.asarray(rec["boxes"], np.float32).reshape(-1, 4), corners, rec["path"], img.shape[1])
        dets.append(d)
        gts.append(gt)
        r = match(d, gt)
        above = r.scores >= thr
        n_fn = gt.boxes.shape[0] - int((r.tp & above).sum())
        if n_fn and len(misses) < gallery_max:
            misses.append((img, d, gt))
        if (~r.tp & above).any() and len(fps) < gallery_max:
            fps.append((img, d, gt))
    m = summarize(dets, gts, thr)
    results = [match(d, g) for d, g in zip(dets, gts, strict=True)]
    m["sweep"] = {
        f"{t:.2f}": dict(zip(("recall", "precision", "tp", "fp", "fn"), pr_at(results, t), strict=True))
        for t in sweep
    }
    m["nms_iou"] = iou
    m["input_size"] = list(runner.input_size)
    m["ms_per_image_median"] = float(np.median(times) * 1000) if times else None
    m["model"] = runner.path
    if out_dir:
        import json

        m["gallery_misses"] = gallery(misses, os.path.join(out_dir, "misses.jpg"), thr)
        m["gallery_false_positives"] = gallery(fps, os.path.join(out_dir, "false_positives.jpg"), thr)
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "report.json"), "w", encoding="utf-8") as f:
            json.dump(m, f, indent=2)
    return m


def bench_scene(runner: DetectorRunner, image: np.ndarray, n: int = 50) -> dict:
    """ms per scene (letterbox + model + threshold/NMS), median and min over n runs after 5 warm-ups."""
    import time

    for _ in range(5):
        runner.detect(image, runner.score_threshold, runner.nms_iou)
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        runner.detect(image, runner.score_threshold, runner.nms_iou)
        ts.append(time.perf_counter() - t0)
    return {"ms_median": float(np.median(ts) * 1000), "ms_min": float(np.min(ts) * 1000), "runs": n,
            "image": list(image.shape[:2])}
