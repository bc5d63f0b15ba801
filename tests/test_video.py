"""Video: sampled frames, IoU tracks, confidence-weighted text voting on a short synthetic clip."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from _read_fixtures import make_detector, make_recognizer
from typer.testing import CliRunner

from platekit import Reader
from platekit.cli.main import app
from platekit.core.results import Plate, Reading
from platekit.inference.video import IoUTracker, Track, read_video

A_COLOR, B_COLOR = (255, 255, 215), (215, 255, 255)  # both bright enough for the toy detector


class ColourRecognizer:
    """Reads 皖A11111 (conf 0.95) on reddish plates, 皖A22222 (conf 0.3) on bluish ones."""

    input_size, crop_margin, region = (16, 48), 0.0, "cn"

    def read(self, crops):
        out = []
        for c in crops:
            r, b = c[4:12, 8:40, 0].mean(), c[4:12, 8:40, 2].mean()
            text, conf = ("皖A11111", 0.95) if r > b else ("皖A22222", 0.3)
            out.append(Reading(text, conf, (conf ** (1 / 7),) * 7, "cn"))
        return out


def make_clip(path, fps=10) -> list[str]:
    """Track 1: frames 0-11 moving right, 5 'A' frames + 7 'B' frames; gap; track 2: frames 18-23."""
    w, h = 320, 240
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    truth = []
    rng = np.random.default_rng(0)
    for i in range(24):
        rgb = rng.integers(0, 100, (h, w, 3), dtype=np.uint8)
        if i < 12:
            colour = A_COLOR if i in (1, 4, 6, 8, 10) else B_COLOR
            x = 40 + 4 * i
            rgb[100:130, x : x + 80] = colour
            truth.append("A" if colour == A_COLOR else "B")
        elif i >= 18:
            rgb[30:60, 200:290] = A_COLOR
        vw.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    vw.release()
    return truth


@pytest.fixture(scope="module")
def det(tmp_path_factory):
    return make_detector(tmp_path_factory.mktemp("m"))


def test_weighted_vote_on_synthetic_clip(det, tmp_path):
    clip = tmp_path / "clip.avi"
    make_clip(clip)
    reader = Reader(detector=det, recognizer=ColourRecognizer(), min_confidence=0)
    recs = read_video(reader, str(clip), sample_fps=10, vis_dir=str(tmp_path / "vis"))
    assert len(recs) == 2
    t1, t2 = recs
    assert (t1["first_frame"], t1["last_frame"], t1["observations"]) == (0, 11, 12)
    # 7 frames read 皖A22222 at 0.3 but 5 frames read 皖A11111 at 0.95: the weighted vote wins
    assert t1["plates"][0]["text"] == "皖A11111" and t1["texts"] == ["皖A11111", "皖A22222"]
    assert t1["vote"] == pytest.approx(4.75 / (4.75 + 2.1), abs=1e-3)
    assert t1["best_frame"] in (1, 4, 6, 8, 10)
    assert (t2["first_frame"], t2["last_frame"], t2["plates"][0]["text"]) == (18, 23, "皖A11111")
    np.testing.assert_allclose(t2["plates"][0]["box"], [200, 30, 290, 60], atol=4)
    saved = sorted(p.name for p in (tmp_path / "vis").iterdir())
    assert saved == [f"clip_track0_f{t1['best_frame']}.jpg", f"clip_track1_f{t2['best_frame']}.jpg"]


def test_sampling_stride(det, tmp_path):
    clip = tmp_path / "clip.avi"
    make_clip(clip, fps=20)  # 20 fps sampled at 10 fps -> every 2nd frame
    recs = read_video(Reader(detector=det, recognizer=ColourRecognizer(), min_confidence=0), str(clip), sample_fps=10)
    assert recs[0]["observations"] == 6 and recs[0]["last_frame"] == 10


def test_cli_video_jsonl(det, tmp_path):
    clip = tmp_path / "clip.avi"
    make_clip(clip)
    rec = make_recognizer(tmp_path, "slots", "cn")[0]
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video")
    res = CliRunner().invoke(app, ["read", str(clip), str(bad), "--detector", str(det), "--recognizer", str(rec),
                                   "--format", "jsonl", "--min-confidence", "0"])
    assert res.exit_code == 1
    recs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r.get("track") for r in recs[:2]] == [0, 1] and recs[0]["image"] == str(clip)
    assert len(recs[0]["plates"]) == 1 and {"text", "box", "corners"} <= set(recs[0]["plates"][0])
    assert recs[2]["image"] == str(bad) and "cannot open video" in recs[2]["error"]


def _plate(box, text="皖A11111", conf=0.9):
    return Plate(text, conf, (0.9,) * 7, box, ((0, 0),) * 4, 0.9, "cn")


def test_tracker_two_plates_and_gap():
    tr = IoUTracker(iou_threshold=0.3, max_missed=1)
    for f in range(3):
        tr.update(f, [_plate((10 + f, 10, 60 + f, 30)), _plate((200 - f, 100, 260 - f, 120), "皖B22222")])
    tr.update(3, [])
    tr.update(4, [])  # missed twice > max_missed: both tracks end
    tr.update(5, [_plate((10, 10, 60, 30))])  # same place, but a new track after the gap
    tracks = tr.close()
    assert [(t.id, len(t.obs)) for t in tracks] == [(0, 3), (1, 3), (2, 1)]
    assert isinstance(tracks[1], Track) and tracks[1].vote()[0] == "皖B22222"
