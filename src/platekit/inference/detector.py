"""ONNX plate detector: letterbox -> graph -> threshold + NMS in numpy -> image pixels (no torch)."""

from __future__ import annotations

import os

import cv2
import numpy as np

from platekit.core.geometry import nms
from platekit.core.results import Detection
from platekit.errors import PlatekitError
from platekit.inference.session import load_sidecar, make_session

PAD_VALUE = 114


def letterbox(
    image: np.ndarray, size: tuple[int, int], pad: int = PAD_VALUE, stride: int | None = None
) -> tuple[np.ndarray, float]:
    """RGB [h, w, 3] -> ([H, W, 3] image scaled by min(H/h, W/w) at the top-left, pad elsewhere; scale).

    ``stride``: shrink the canvas to the resized image rounded up to a multiple of stride (for
    graphs with dynamic height/width: no compute spent on padding).
    """
    hh, ww = size
    h, w = image.shape[:2]
    scale = min(hh / h, ww / w)
    nh, nw = min(hh, max(1, round(h * scale))), min(ww, max(1, round(w * scale)))
    if stride:
        hh, ww = min(hh, -(-nh // stride) * stride), min(ww, -(-nw // stride) * stride)
    out = np.full((hh, ww, 3), pad, dtype=np.uint8)
    out[:nh, :nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return out, scale


_GRIDS: dict[tuple[int, int, tuple[int, ...]], tuple[np.ndarray, np.ndarray]] = {}


def anchor_grid(height: int, width: int, strides: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Location centres [A, 2] (x, y) and strides [A, 1] of a canvas, levels in stride order, row-major
    (a stride-s level has ceil(H/s) x ceil(W/s) locations: what stride-2 3x3 convs with padding 1 give)."""
    key = (int(height), int(width), tuple(int(s) for s in strides))
    if key not in _GRIDS:
        pts, st = [], []
        for s in key[2]:
            h, w = -(-key[0] // s), -(-key[1] // s)
            gy, gx = np.meshgrid((np.arange(h) + 0.5) * s, (np.arange(w) + 0.5) * s, indexing="ij")
            pts.append(np.stack([gx.ravel(), gy.ravel()], 1))
            st.append(np.full((h * w, 1), s))
        _GRIDS[key] = (np.concatenate(pts).astype(np.float32), np.concatenate(st).astype(np.float32))
    return _GRIDS[key]


def decode_raw(
    raw: np.ndarray, height: int, width: int, strides: tuple[int, ...] = (8, 16, 32), min_score: float | None = None
) -> np.ndarray:
    """A "raw" detector graph's output [N, 13, A] on an H x W canvas -> [N, A, 13]: sigmoid score, x1 y1 x2 y2,
    lt rt rb lb (x, y) in input pixels (the rows of the decoded graphs, ``PlateDetector.forward_export``).

    ``min_score`` (one image, N = 1): only the locations scoring at least that are decoded -> [1, K, 13], in
    location order (a scene has a few plates among thousands of locations; decoding all costs ~0.3 ms)."""
    pts, st = anchor_grid(height, width, strides)
    if raw.ndim != 3 or raw.shape[1] != 13 or raw.shape[2] != len(pts):
        raise ValueError(f"raw detector output {raw.shape} does not fit a {height}x{width} canvas at strides "
                         f"{tuple(strides)} ({len(pts)} locations)")
    score = 0.5 * (1.0 + np.tanh(0.5 * raw[:, 0].astype(np.float32)))  # sigmoid without exp overflow, [N, A]
    if min_score is not None:
        if raw.shape[0] != 1:
            raise ValueError("decode_raw: min_score decodes one image at a time")
        keep = np.flatnonzero(score[0] >= min_score)  # exactly the rows the caller's cut keeps
        raw, pts, st, score = raw[:, :, keep], pts[keep], st[keep], score[:, keep]
    r = np.ascontiguousarray(raw.transpose(0, 2, 1), dtype=np.float32)  # [N, A, 13]
    dist = np.logaddexp(0.0, r[..., 1:5]) * st  # softplus x stride: l, t, r, b
    out = np.empty_like(r)
    out[..., 0] = score
    out[..., 1:3] = pts - dist[..., :2]
    out[..., 3:5] = pts + dist[..., 2:]
    out[..., 5:] = r[..., 5:] * st + np.tile(pts, 4)
    return out


class OnnxDetector:
    """Plate detector exported with a sidecar (input_size, score_threshold, nms_iou).

    ``input_size`` (H, W): the canvas of the first look instead of the sidecar's (a dynamic-H/W graph only; the
    image is letterboxed to fit it, on the smallest stride multiple around it): smaller is faster, finds small far
    plates less well and large close ones often better (docs/detector.md "Session 18")."""

    def __init__(
        self,
        path: str | os.PathLike,
        threads: int = 1,
        score_threshold: float | None = None,
        nms_iou: float | None = None,
        max_plates: int = 50,
        input_size: tuple[int, int] | None = None,
    ):
        self.path = str(path)
        self.meta = load_sidecar(path, "detector")
        own = self.meta.get("input_size") or [self.meta["input"]["height"], self.meta["input"]["width"]]
        own = (int(own[0]), int(own[1]))  # the sidecar's canvas
        size = input_size or own
        self.input_size: tuple[int, int] = (int(size[0]), int(size[1]))
        self.score_threshold = float(
            score_threshold if score_threshold is not None else self.meta.get("score_threshold", 0.5)
        )
        self.nms_iou = float(nms_iou if nms_iou is not None else self.meta.get("nms_iou", 0.4))
        self.max_plates = max_plates
        self.session = make_session(path, threads)
        inp = self.session.get_inputs()[0]
        self._in = inp.name
        # a graph with dynamic H and W is fed the smallest stride-multiple canvas ("rect" letterbox)
        dynamic = len(inp.shape) == 4 and not all(isinstance(d, int) for d in inp.shape[1:3])
        self.stride = int(max(self.meta.get("strides", [32]))) if dynamic else None
        # what a large JPEG is decoded for (Reader.pixels): never less than the sidecar's canvas, so a smaller first
        # look does not make more plates too small in the reduced pixels (and decode the full image for them)
        self.decode_size = (max(self.input_size[0], own[0]), max(self.input_size[1], own[1]))
        if self.stride is None and self.input_size != own:
            raise PlatekitError(f"{path}: a fixed-size detector graph takes {own[0]}x{own[1]} only, not "
                                f"{self.input_size[0]}x{self.input_size[1]} (re-export with dynamic H/W)")
        if min(self.input_size) < 64 or max(self.input_size) > 4096:
            raise PlatekitError(f"detector canvas {self.input_size[0]}x{self.input_size[1]}: give 64 to 4096 pixels")
        self.name = self.meta.get("model", os.path.basename(self.path))
        # "raw" graphs (export since session 10) leave the anchor decode to numpy (decode_raw): same rows, less graph
        out = self.meta.get("output")
        self.raw_output = isinstance(out, dict) and out.get("decode") == "numpy"
        g = self.session.get_outputs()[0]
        if self.raw_output and (g.name != out.get("name", g.name) or len(g.shape) != 3
                                or (isinstance(g.shape[1], int) and g.shape[1] != 13)):
            raise PlatekitError(f"{path}: the sidecar says a raw [N, 13, A] output {out.get('name')!r}, "
                                f"the graph gives {g.name!r} {g.shape}")
        self.strides = tuple(int(s) for s in self.meta.get("strides", (8, 16, 32)))
        # more looks on other canvases for an image where nothing was found (a larger one for small far plates, a
        # smaller one for large close ones): the sidecar's "retry_empty", one {"input_size": [H, W],
        # "score_threshold": t} or a list of them taken in turn until one finds a plate, chosen on own val for
        # that file; none without it (and for a fixed-size graph)
        retry = self.meta.get("retry_empty") if self.stride is not None else None
        looks = [retry] if isinstance(retry, dict) else list(retry or [])
        try:
            self.retries: list[tuple[tuple[int, int], float]] = [
                ((int(lk["input_size"][0]), int(lk["input_size"][1])),
                 float(lk.get("score_threshold", self.score_threshold))) for lk in looks]
        except (KeyError, TypeError, IndexError, ValueError):
            raise PlatekitError(f"{path}: sidecar retry_empty must be {{'input_size': [H, W], 'score_threshold': t}} "
                                f"or a list of them, got {retry!r}") from None
        # the first look again (the first-look canvas at a threshold it already cut at) cannot find anything new
        self.retries = [(z, t) for z, t in self.retries if not (z == self.input_size and t >= self.score_threshold)]

    def run(self, batch: np.ndarray, min_score: float | None = None) -> np.ndarray:
        """Letterboxed uint8 [N, H, W, 3] -> [N, A, 13] (sigmoid score, box, 4 corners in input pixels).

        ``min_score`` (one image, raw graphs): only locations scoring at least that -> [1, K, 13]; decoded
        graphs return every row (the caller's threshold does the rest either way)."""
        out = self.session.run(None, {self._in: batch})[0]
        if self.raw_output:
            return decode_raw(out, batch.shape[1], batch.shape[2], self.strides, min_score)
        return np.asarray(out, dtype=np.float32)

    def raw(self, image: np.ndarray, min_score: float | None = None,
            size: tuple[int, int] | None = None) -> tuple[np.ndarray, float]:
        """-> (detections [A, 13] in input pixels, letterbox scale); ``min_score``: see ``run``; ``size``: another
        canvas (H, W) than ``input_size`` (a dynamic-H/W graph only)."""
        lb, scale = letterbox(image, size or self.input_size, stride=self.stride)
        return self.run(lb[None], min_score)[0], scale

    def postprocess(
        self, det: np.ndarray, scale: float, shape: tuple[int, ...], threshold: float | None = None
    ) -> list[Detection]:
        """[A, 13] input pixels -> thresholded, NMS'd detections in image pixels (best first)."""
        det = det[det[:, 0] >= (self.score_threshold if threshold is None else threshold)]
        if not len(det):
            return []
        keep = nms(det[:, 1:5], det[:, 0], self.nms_iou)[: self.max_plates]
        det = det[keep]
        h, w = shape[:2]
        geo = det[:, 1:] / scale
        geo[:, 0::2] = geo[:, 0::2].clip(0, w)  # x of box and corners
        geo[:, 1::2] = geo[:, 1::2].clip(0, h)
        out = []
        for s, g in zip(det[:, 0], geo, strict=True):
            box = tuple(float(v) for v in g[:4])
            if box[2] - box[0] < 1 or box[3] - box[1] < 1:
                continue
            corners = tuple((float(g[4 + 2 * i]), float(g[5 + 2 * i])) for i in range(4))
            out.append(Detection(box, corners, float(s)))  # type: ignore[arg-type]
        return out

    def detect(self, image: np.ndarray, threshold: float | None = None,
               size: tuple[int, int] | None = None) -> list[Detection]:
        """Plates scored >= threshold (default: the sidecar's score_threshold), best first; ``size``: see ``raw``."""
        thr = self.score_threshold if threshold is None else threshold
        det, scale = self.raw(image, min_score=thr, size=size)
        return self.postprocess(det, scale, image.shape, thr)

    @property
    def retry_size(self) -> tuple[int, int] | None:
        """The canvas of the first look taken again when nothing was found (None: no retry)."""
        return self.retries[0][0] if self.retries else None

    @property
    def retry_threshold(self) -> float | None:
        return self.retries[0][1] if self.retries else None

    def detect_retry(self, image: np.ndarray) -> list[Detection]:
        """More looks for an image where :meth:`detect` found nothing: the same graph on each ``retry_empty`` canvas
        of the sidecar at its threshold, in turn, until one finds a plate (the shipped file: 640 for far plates,
        then 256 for close ones); [] when none does or the file has no retry."""
        for size, thr in self.retries:
            found = self.detect(image, thr, size)
            if found:
                return found
        return []


def merge_detections(a: list[Detection], b: list[Detection], iou: float = 0.4) -> list[Detection]:
    """Two looks' plates as one list, best first: a plate overlapping a better one by IoU > ``iou`` is dropped
    (greedy NMS over both, as within one look; scripts/merge_look_study.py)."""
    both = list(a) + list(b)
    if not both:
        return []
    keep = nms(np.array([d.box for d in both], np.float32), np.array([d.confidence for d in both], np.float32), iou)
    return [both[i] for i in keep]
