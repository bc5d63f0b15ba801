"""Video reading: sample frames, track plates by IoU, vote each track's text weighted by confidence."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np

from platekit.core.geometry import box_iou
from platekit.core.image import MAX_PIXELS, ImageError, stat_input
from platekit.core.results import Plate


@dataclass
class Observation:
    frame: int
    plate: Plate
    time_s: float = 0.0  # position in the video (files), or seconds since the stream was opened (live)
    cum_ms: float = 0.0  # reading time spent on the source up to and including this frame


@dataclass
class Track:
    id: int
    obs: list[Observation] = field(default_factory=list)
    missed: int = 0
    start_ms: float = 0.0  # cumulative reading time before this track's first frame

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

    def to_dict(self, image: str, width: int, height: int, fps: float) -> dict:
        """The track's JSON record; ``ms``: reading time of the sampled frames from its first to last frame."""
        text, share, best = self.vote()  # best: the voted text's most confident observation
        return {
            "image": image,
            "width": width,
            "height": height,
            "ms": round(self.obs[-1].cum_ms - self.start_ms, 2),
            "track": self.id,
            "first_frame": self.obs[0].frame,
            "last_frame": self.obs[-1].frame,
            "best_frame": best.frame,
            "start_s": round(self.obs[0].time_s, 3),
            "end_s": round(self.obs[-1].time_s, 3),
            "fps": round(fps, 3),
            "observations": len(self.obs),
            "vote": round(share, 4),
            "texts": sorted({o.plate.text for o in self.obs}),
            "plates": [best.plate.to_dict()],
        }


class IoUTracker:
    """Greedy IoU association of per-frame plates to tracks; a track ends after max_missed frames."""

    def __init__(self, iou_threshold: float = 0.3, max_missed: int = 3):
        self.iou_threshold, self.max_missed = iou_threshold, max_missed
        self.active: list[Track] = []
        self.finished: list[Track] = []
        self._next = 0

    def update(self, frame: int, plates: list[Plate], time_s: float = 0.0, cum_ms: float = 0.0,
               frame_ms: float = 0.0) -> list[Track]:
        """Add one sampled frame's plates; -> the tracks that ended with it (also kept in ``finished``)."""
        unmatched = list(range(len(plates)))
        if self.active and plates:
            iou = box_iou(np.array([t.last_box for t in self.active]), np.array([p.box for p in plates]))
            for flat in np.argsort(-iou, axis=None):
                ti, pi = divmod(int(flat), len(plates))
                if iou[ti, pi] < self.iou_threshold:
                    break
                t = self.active[ti]
                if pi in unmatched and (not t.obs or t.obs[-1].frame != frame):
                    t.obs.append(Observation(frame, plates[pi], time_s, cum_ms))
                    t.missed = 0
                    unmatched.remove(pi)
        for t in self.active:
            if t.obs[-1].frame != frame:
                t.missed += 1
        for pi in unmatched:
            self.active.append(Track(self._next, [Observation(frame, plates[pi], time_s, cum_ms)],
                                     start_ms=cum_ms - frame_ms))
            self._next += 1
        done = [t for t in self.active if t.missed > self.max_missed]
        self.finished += done
        self.active = [t for t in self.active if t.missed <= self.max_missed]
        return done

    def close(self) -> list[Track]:
        tracks = sorted(self.finished + self.active, key=lambda t: t.id)
        self.finished, self.active = [], []
        return tracks


# --- sources: files, webcams, streams ------------------------------------------------------------
STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")
OPEN_TIMEOUT_MS = 10_000


def is_live(source: str) -> bool:
    """A webcam index (``0``) or a stream URL (``rtsp://``, ``http://`` ...), not a file on disk."""
    s = str(source)
    return (s.isdigit() and not os.path.exists(s)) or s.lower().startswith(STREAM_SCHEMES)


def redact(source: str) -> str:
    """A URL with its password replaced by *** (for messages and records)."""
    parts = urlsplit(str(source))
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    return str(source)


def open_capture(source: str) -> cv2.VideoCapture:
    """cv2.VideoCapture for a file, a webcam index or a URL; ImageError with a clear message if it fails.

    OpenCV's and FFmpeg's own warnings are silenced while opening: the error message says what failed.
    """
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's AV_LOG_QUIET, read when FFmpeg starts
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        return _open(str(source))
    finally:
        cv2.utils.logging.setLogLevel(level)


def _open(s: str) -> cv2.VideoCapture:
    if s.isdigit() and not os.path.exists(s):
        cap, what = cv2.VideoCapture(int(s)), f"camera {s}"
    elif s.lower().startswith(STREAM_SCHEMES):
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS, cv2.CAP_PROP_READ_TIMEOUT_MSEC, OPEN_TIMEOUT_MS]
        cap, what = cv2.VideoCapture(s, cv2.CAP_FFMPEG, params), f"stream {redact(s)}"
    else:
        stat_input(s)  # missing, a directory, a FIFO or a device: refused before opening (a FIFO would block)
        cap, what = cv2.VideoCapture(s), s
    if not cap.isOpened():
        cap.release()
        if what == s:
            raise ImageError(f"{s}: cannot open video (unsupported codec or not a video)")
        raise ImageError(f"cannot open {what} (no such device, unreachable, or not a video)")
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    if w * h > MAX_PIXELS:
        cap.release()
        raise ImageError(f"{redact(s)}: video frames too large ({w}x{h} pixels, limit {MAX_PIXELS:,})")
    return cap


def iter_frames(path: str, sample_fps: float = 10.0, every: int | None = None
                ) -> Iterator[tuple[int, np.ndarray, float, float]]:
    """Yield (frame index, RGB frame, video fps, time in s) for every k-th frame of a file or live source.

    k = ``every`` when given, else about ``sample_fps`` frames per second (every frame when the source
    does not say its fps). Time: the frame's position in a file; seconds since opening for a live source.
    """
    live = is_live(path)
    cap = open_capture(path)
    fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
    if every is not None:
        step = max(1, int(every))
    else:
        step = max(1, round(fps / sample_fps)) if fps > 0 and sample_fps > 0 else 1
    i, got, t0 = 0, 0, time.perf_counter()
    try:
        while True:
            ok = cap.grab()
            if not ok:
                break
            if i % step == 0:
                ok, bgr = cap.retrieve()
                if ok and bgr is not None:
                    got += 1
                    t = time.perf_counter() - t0 if live or fps <= 0 else i / fps
                    yield i, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), fps, t
            i += 1
    finally:
        cap.release()
    if got == 0:
        raise ImageError(f"{redact(path)}: no decodable frame in the video")


def iter_video(reader, path: str, sample_fps: float = 10.0, vis_dir: str | None = None, every: int | None = None,
               min_track: int = 2) -> Iterator[dict]:
    """Yield one JSON-ready record per plate track as soon as the track ends (live sources never end:
    Ctrl-C stops reading and flushes the open tracks). Tracks with fewer than ``min_track``
    observations (sampled frames) are dropped: a one-frame false detection is not a plate. A source
    without any kept track gives one record with ``"track": null`` and no plates.
    """
    import inspect

    params = inspect.signature(reader.process).parameters
    takes_retry = "retry" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    tracker = IoUTracker()
    frames: dict[int, np.ndarray] = {}
    width = height = 0
    fps, cum_ms, kept, dropped = 0.0, 0.0, 0, 0
    name = redact(path)

    def emit(tracks: list[Track]) -> Iterator[dict]:
        nonlocal kept, dropped
        for t in tracks:
            if len(t.obs) < min_track:
                dropped += 1
                continue
            kept += 1
            rec = t.to_dict(name, width, height, fps)
            if vis_dir is not None:
                _save_best_frame(name, t, rec, frames, vis_dir)
            yield rec

    try:
        for idx, frame, src_fps, t in iter_frames(path, sample_fps, every):
            fps, (height, width) = src_fps, frame.shape[:2]
            t0 = time.perf_counter()
            # no second look on an empty frame: most frames have no plate, and a far one comes closer
            plates, _ = reader.process(frame, retry=False) if takes_retry else reader.process(frame)
            frame_ms = (time.perf_counter() - t0) * 1e3
            cum_ms += frame_ms
            done = tracker.update(idx, plates, t, cum_ms, frame_ms)
            tracker.finished = []
            if vis_dir is not None and plates:
                frames[idx] = frame
                keep = {f for tr in tracker.active for f in tr.candidate_frames()} | {
                    f for tr in done for f in tr.candidate_frames()}
                frames = {k: v for k, v in frames.items() if k in keep}  # one frame per (track, text)
            yield from emit(done)
    except KeyboardInterrupt:
        if not is_live(path):
            raise
    yield from emit(tracker.close())
    if not kept:
        yield {"image": name, "width": width, "height": height, "ms": round(cum_ms, 2), "track": None,
               "fps": round(fps, 3), "short_tracks": dropped, "plates": []}


def read_video(reader, path: str, sample_fps: float = 10.0, vis_dir: str | None = None, every: int | None = None,
               min_track: int = 2) -> list[dict]:
    """-> every record of :func:`iter_video` (one per kept plate track, or one with no plates)."""
    return list(iter_video(reader, path, sample_fps, vis_dir, every, min_track))


def _save_best_frame(name: str, track: Track, rec: dict, frames: dict, vis_dir: str) -> None:
    """Write the track's best frame with its voted text drawn: <stem>_track<id>_f<frame>.jpg."""
    from platekit.core.image import imwrite_rgb
    from platekit.inference.vis import draw_plates

    f = rec["best_frame"]
    if f not in frames:
        return
    stem = os.path.splitext(os.path.basename(name.rstrip("/")))[0] or "stream"
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
    plate = next(o.plate for o in track.obs if o.frame == f)  # the best frame's plate has the voted text
    imwrite_rgb(os.path.join(vis_dir, f"{stem}_track{track.id}_f{f}.jpg"), draw_plates(frames[f], [plate]))
