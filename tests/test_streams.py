"""Live sources: an HTTP MJPEG stream served by the test itself (like an IP camera), a webcam index,
tracks emitted as they end, --every, the minimum track length and per-track timing."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np
import pytest
from _read_fixtures import make_detector, make_recognizer
from test_video import A_COLOR, ColourRecognizer, make_clip
from typer.testing import CliRunner

from platekit import Reader
from platekit.cli.main import app
from platekit.inference.video import is_live, iter_video, read_video, redact


@pytest.fixture(scope="module")
def det(tmp_path_factory):
    return make_detector(tmp_path_factory.mktemp("m"))


@pytest.fixture(scope="module")
def clip_frames(tmp_path_factory):
    """The BGR frames of test_video's clip: track 0 on frames 0-11, track 1 on frames 18-23."""
    path = tmp_path_factory.mktemp("clip") / "clip.avi"
    make_clip(path)
    cap, frames = cv2.VideoCapture(str(path)), []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    return frames


@pytest.fixture(scope="module")
def stream_url(clip_frames):
    if not cv2.videoio_registry.hasBackend(cv2.CAP_FFMPEG):
        pytest.skip("this OpenCV build has no FFmpeg backend: it cannot open stream URLs")
    """http://127.0.0.1:PORT/cam.mjpg: the clip as a multipart/x-mixed-replace JPEG stream."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            for f in clip_frames:
                jpg = cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
                self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpg))
                self.wfile.write(jpg + b"\r\n")
            self.wfile.write(b"--frame--\r\n")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/cam.mjpg"
    srv.shutdown()


class CountingReader(Reader):
    """Counts the frames it has read, to see when each track record comes out."""

    frames = 0

    def process(self, image, min_confidence=None, **kw):
        self.frames += 1
        return super().process(image, min_confidence, **kw)


def test_http_stream_tracks_come_out_as_they_end(det, stream_url):
    assert is_live(stream_url) and is_live("0") and is_live("rtsp://cam/1") and not is_live("clip.mp4")
    reader = CountingReader(detector=det, recognizer=ColourRecognizer(), min_confidence=0)
    seen = []
    for rec in iter_video(reader, stream_url, every=1):
        seen.append((reader.frames, rec))
    assert [r["track"] for _, r in seen] == [0, 1]
    # track 0 (frames 0-11) ends after 4 missed frames: printed after frame 15, long before the stream ends
    assert seen[0][0] == 16 and seen[1][0] == 24
    t0, t1 = seen[0][1], seen[1][1]
    assert t0["image"] == stream_url and (t0["first_frame"], t0["last_frame"]) == (0, 11)
    assert t0["plates"][0]["text"] == "皖A11111" and t1["plates"][0]["text"] == "皖A11111"
    assert (t1["first_frame"], t1["last_frame"]) == (18, 23)
    # live timing: seconds since the stream was opened, in frame order
    assert 0 <= t0["start_s"] <= t0["end_s"] <= t1["start_s"] <= t1["end_s"]


def test_cli_reads_an_http_stream_as_csv(det, stream_url, tmp_path):
    rec = make_recognizer(tmp_path, "slots", "cn")[0]
    res = CliRunner().invoke(app, ["read", stream_url, "--every", "2", "--format", "csv", "--min-confidence", "0",
                                   "--detector", str(det), "--recognizer", str(rec)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [(r["image"], r["track"]) for r in rows] == [(stream_url, "0"), (stream_url, "1")]
    assert all(int(r["frame"]) % 2 == 0 for r in rows)  # --every 2: only even frames are read
    np.testing.assert_allclose([float(rows[1][k]) for k in ("x1", "y1", "x2", "y2")], [200, 30, 290, 60], atol=4)


def test_webcam_index_and_unreachable_stream_are_clear_errors(det, tmp_path):
    rec = make_recognizer(tmp_path, "slots", "cn")[0]
    res = CliRunner().invoke(app, ["read", "9", "rtsp://user:secret@127.0.0.1:9/cam", "--format", "jsonl",
                                   "--detector", str(det), "--recognizer", str(rec)])
    assert res.exit_code == 1
    a, b = (json.loads(line) for line in res.stdout.splitlines())
    assert a == {"image": "9", "error": "cannot open camera 9 (no such device, unreachable, or not a video)"}
    assert b["image"] == "rtsp://user:***@127.0.0.1:9/cam" and "secret" not in b["error"]
    assert redact("http://cam.local/x.mjpg") == "http://cam.local/x.mjpg"


def flash_clip(path, fps=10) -> None:
    """A plate on frames 0-9, and a one-frame 'plate' (a false detection) on frame 14."""
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (320, 240))
    rng = np.random.default_rng(1)
    for i in range(20):
        rgb = rng.integers(0, 100, (240, 320, 3), dtype=np.uint8)
        if i < 10:
            rgb[100:130, 40 + 3 * i : 120 + 3 * i] = A_COLOR
        if i == 14:
            rgb[20:50, 200:280] = A_COLOR
        vw.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    vw.release()


def test_minimum_track_length(det, tmp_path):
    clip = tmp_path / "flash.avi"
    flash_clip(clip)
    reader = Reader(detector=det, recognizer=ColourRecognizer(), min_confidence=0)
    kept = read_video(reader, str(clip), min_track=2)
    assert [(r["first_frame"], r["last_frame"]) for r in kept] == [(0, 9)]  # the one-frame flash is dropped
    both = read_video(reader, str(clip), min_track=1)
    assert [(r["first_frame"], r["last_frame"]) for r in both] == [(0, 9), (14, 14)]
    none = read_video(reader, str(clip), min_track=11)  # longer than any track: one record, no plates
    assert len(none) == 1 and none[0]["track"] is None and none[0]["plates"] == [] and none[0]["short_tracks"] == 2
    rec = make_recognizer(tmp_path, "slots", "cn")[0]
    res = CliRunner().invoke(app, ["read", str(clip), "--min-track", "1", "--format", "jsonl", "--min-confidence", "0",
                                   "--detector", str(det), "--recognizer", str(rec)])
    assert [json.loads(line)["track"] for line in res.stdout.splitlines()] == [0, 1]


class TimingReader(Reader):
    """Records how long each frame's reading took, measured inside process()."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.ms: list[float] = []

    def process(self, image, min_confidence=None, **kw):
        t0 = time.perf_counter()
        out = super().process(image, min_confidence, **kw)
        self.ms.append((time.perf_counter() - t0) * 1e3)
        return out


def test_per_track_timing(det, tmp_path):
    clip = tmp_path / "clip.avi"
    make_clip(clip, fps=10)
    reader = TimingReader(detector=det, recognizer=ColourRecognizer(), min_confidence=0)
    t0, t1 = read_video(reader, str(clip), sample_fps=10)
    # position in the file: frame / fps
    assert (t0["start_s"], t0["end_s"], t1["start_s"], t1["end_s"]) == (0.0, 1.1, 1.8, 2.3)
    # ms: the reading time of the frames each track spans (0-11 and 18-23), not the whole video's
    for rec, frames in ((t0, range(0, 12)), (t1, range(18, 24))):
        inner = sum(reader.ms[f] for f in frames)
        assert inner <= rec["ms"] + 0.01 <= inner + 1.0 * len(frames) + 5, (rec["ms"], inner)
    assert t0["ms"] + t1["ms"] < sum(reader.ms)


def test_video_frames_get_no_second_detector_look(det, tmp_path):
    """iter_video reads frames with retry=False (an empty frame is the common case in a stream)."""
    clip = tmp_path / "clip.avi"
    make_clip(clip, fps=10)
    seen = []

    class Spy(Reader):
        def process(self, image, min_confidence=None, **kw):
            seen.append(kw.get("retry"))
            return super().process(image, min_confidence, **kw)

    list(iter_video(Spy(detector=det, recognizer=ColourRecognizer(), min_confidence=0), str(clip), every=1))
    assert seen and set(seen) == {False}
