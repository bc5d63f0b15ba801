"""Video reading: sample frames, track plates by IoU, vote each track's text weighted by confidence."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from platekit.core.geometry import box_iou
from platekit.core.image import ImageError
from platekit.core.results import Plate


@dataclass
class Observation:
    frame: int
    plate: Plate


@dataclass
class Track:
    id: int
    obs: list[Observation] = field(default_factory=list)
    missed: int = 0

    @property
    def last_box(self) -> tuple[float, ...]:
        return self.obs[-1].plate.box

    def candidate_frames(self) -> set[int]:
        """The most confident frame of each distinct text: the best frame is one of these."""
        best: dict[str, Observation] = {}
        for o in self.obs:
            if o.plate.text not in best or o.plate.confidence > best[o.plate.text].plate.confidence:
                best[o.plate.text] = o
        return {o.frame for o in best.values()}

    def vote(self) -> tuple[str, float, Observation]:
        """-> (text, vote share, best observation with that text).

        Each observation votes for its text with its confidence; the text with the largest sum
        wins; the best frame is that text's most confident observation.
        """
        score: dict[str, float] = defaultdict(float)
        for o in self.obs:
            score[o.plate.text] += o.plate.confidence
        text = max(score, key=lambda t: (score[t], len(t)))
        total = sum(score.values())
        best = max((o for o in self.obs if o.plate.text == text), key=lambda o: o.plate.confidence)
        return text, (score[text] / total if total > 0 else 0.0), best

    def to_dict(self, image: str, width: int, height: int, ms: float, fps: float) -> dict:
        text, share, best = self.vote()
        plate = best.plate.to_dict()
        return {
            "image": image,
            "width": width,
            "height": height,
            "ms": round(ms, 2),
            "track": self.id,
            "first_frame": self.obs[0].frame,
            "last_frame": self.obs[-1].frame,
            "best_frame": best.frame,
            "fps": round(fps, 3),
            "observations": len(self.obs),
            "vote": round(share, 4),
            "texts": sorted({o.plate.text for o in self.obs}),
            "plates": [plate | {"text": text}],
        }


class IoUTracker:
    """Greedy IoU association of per-frame plates to tracks; a track ends after max_missed frames."""

    def __init__(self, iou_threshold: float = 0.3, max_missed: int = 3):
        self.iou_threshold, self.max_missed = iou_threshold, max_missed
        self.active: list[Track] = []
        self.finished: list[Track] = []
        self._next = 0

    def update(self, frame: int, plates: list[Plate]) -> None:
        unmatched = list(range(len(plates)))
        if self.active and plates:
            iou = box_iou(np.array([t.last_box for t in self.active]), np.array([p.box for p in plates]))
            for flat in np.argsort(-iou, axis=None):
                ti, pi = divmod(int(flat), len(plates))
                if iou[ti, pi] < self.iou_threshold:
                    break
                t = self.active[ti]
                if pi in unmatched and (not t.obs or t.obs[-1].frame != frame):
                    t.obs.append(Observation(frame, plates[pi]))
                    t.missed = 0
                    unmatched.remove(pi)
        for t in self.active:
            if t.obs[-1].frame != frame:
                t.missed += 1
        for pi in unmatched:
            self.active.append(Track(self._next, [Observation(frame, plates[pi])]))
            self._next += 1
        done = [t for t in self.active if t.missed > self.max_missed]
        self.finished += done
        self.active = [t for t in self.active if t.missed <= self.max_missed]

    def close(self) -> list[Track]:
        tracks = sorted(self.finished + self.active, key=lambda t: t.id)
        self.finished, self.active = [], []
        return tracks


def iter_frames(path: str, sample_fps: float = 10.0) -> Iterator[tuple[int, np.ndarray, float]]:
    """Yield (frame index, RGB frame, video fps) for every k-th frame (about sample_fps per second)."""
    if not os.path.exists(path):
        raise ImageError(f"{path}: no such file")
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise ImageError(f"{path}: cannot open video (unsupported codec or not a video)")
    fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
    step = max(1, round(fps / sample_fps)) if fps > 0 and sample_fps > 0 else 1
    i, got = 0, 0
    try:
        while True:
            ok = cap.grab()
            if not ok:
                break
            if i % step == 0:
                ok, bgr = cap.retrieve()
                if ok and bgr is not None:
                    got += 1
                    yield i, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), fps
            i += 1
    finally:
        cap.release()
    if got == 0:
        raise ImageError(f"{path}: no decodable frame in the video")


def read_video(reader, path: str, sample_fps: float = 10.0, vis_dir: str | None = None) -> list[dict]:
    """-> one JSON-ready record per plate track (or one record with no plates if none found)."""
    t0 = time.perf_counter()
    tracker = IoUTracker()
    frames: dict[int, np.ndarray] = {}
    width = height = 0
    fps = 0.0
    for idx, frame, video_fps in iter_frames(path, sample_fps):
        fps = video_fps
        height, width = frame.shape[:2]
        plates, _ = reader.process(frame)
        tracker.update(idx, plates)
        if vis_dir is not None and plates:
            frames[idx] = frame
            keep = {f for t in tracker.active + tracker.finished for f in t.candidate_frames()}
            frames = {k: v for k, v in frames.items() if k in keep}  # one frame per (track, text)
    tracks = tracker.close()
    ms = (time.perf_counter() - t0) * 1e3
    records = [t.to_dict(path, width, height, ms, fps) for t in tracks]
    if vis_dir is not None:
        _save_best_frames(path, tracks, records, frames, vis_dir)
    if not records:
        records = [{"image": path, "width": width, "height": height, "ms": round(ms, 2), "track": None,
                    "fps": round(fps, 3), "plates": []}]
    return records


def _save_best_frames(path: str, tracks: list[Track], records: list[dict], frames: dict, vis_dir: str) -> None:
    """Write each track's best frame with its voted text drawn: <stem>_track<id>_f<frame>.jpg."""
    from platekit.core.image import imwrite_rgb
    from platekit.inference.vis import draw_plates

    stem = os.path.splitext(os.path.basename(path))[0]
    for t, rec in zip(tracks, records, strict=True):
        f = rec["best_frame"]
        if f not in frames:
            continue
        plate = replace(next(o.plate for o in t.obs if o.frame == f), text=rec["plates"][0]["text"])
        imwrite_rgb(os.path.join(vis_dir, f"{stem}_track{t.id}_f{f}.jpg"), draw_plates(frames[f], [plate]))
