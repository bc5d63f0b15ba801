"""Reading on more than one process: ``platekit read --workers N`` and ``platekit cluster read`` (Dask)."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from _read_fixtures import scene


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """9 scenes in two folders (two share a file name), one file that is not an image."""
    d = tmp_path_factory.mktemp("imgs")
    (d / "a").mkdir()
    (d / "b").mkdir()
    for i in range(8):
        cv2.imwrite(str(d / ("a" if i < 4 else "b") / f"im{i}.png"), scene(seed=i)[..., ::-1])
    cv2.imwrite(str(d / "b" / "im0.png"), scene(seed=9)[..., ::-1])  # same name as a/im0.png
    (d / "b" / "broken.jpg").write_bytes(b"not a jpeg")
    return d


def _read(models, *args):
    det, rec = models
    cmd = [sys.executable, "-m", "platekit.cli.main", "read", "--detector", det, "--recognizer", rec,
           "--min-confidence", "0", *map(str, args)]  # the tiny random recognizer reads with low confidence
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _strip(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if k != "ms"}


def test_read_workers_same_records_in_input_order(models, images, tmp_path):
    one = _read(models, images, "--format", "jsonl")
    two = _read(models, images, "--format", "jsonl", "--workers", "2", "--save-vis", tmp_path / "vis")
    assert one.returncode == two.returncode == 1  # the broken file fails, the batch goes on
    a = [json.loads(line) for line in one.stdout.splitlines()]
    b = [json.loads(line) for line in two.stdout.splitlines()]
    assert len(a) == 10 and [_strip(r) for r in a] == [_strip(r) for r in b]
    assert sum("error" in r for r in b) == 1 and sum(bool(r.get("plates")) for r in b) == 9
    # drawings from different processes keep the serial naming: the second im0 becomes im0_1
    assert sorted(p.name for p in (tmp_path / "vis").iterdir()) == sorted(
        [f"im{i}.jpg" for i in range(8)] + ["im0_1.jpg"])


def test_read_workers_bad_model_is_one_clear_error(models, images, tmp_path):
    out = _read((models[0], str(tmp_path / "missing.onnx")), images, "--workers", "2")
    assert out.returncode == 2 and out.stderr.startswith("platekit: error:") and "Traceback" not in out.stderr


def test_cluster_read_on_a_local_two_worker_dask_cluster(models, images, tmp_path):
    distributed = pytest.importorskip("distributed", reason="the [cluster] extra (dask, distributed) is not installed")
    det, rec = models
    lst = tmp_path / "list.txt"
    files = sorted(str(p) for p in images.rglob("*") if p.is_file())
    lst.write_text("\n".join(files + [str(tmp_path / "gone.png")]) + "\n")
    cmd = [sys.executable, "-m", "platekit.cli.main", "cluster", "read", f"@{lst}", "--out", str(tmp_path / "out"),
           "--detector", det, "--recognizer", rec, "--min-confidence", "0", "--local-workers", "2", "--partition-size", "3"]
    # first run: a cluster started apart, reached by its scheduler address (as a real cluster is)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        out = subprocess.run(cmd + ["--scheduler", c.scheduler_address], capture_output=True, text=True, timeout=180)
    print(out.stderr)  # shown with pytest -s: the cluster and its parts
    assert out.returncode == 1, out.stderr  # the broken and the missing file
    assert json.loads(out.stdout) == {"parts": 4, "skipped": 0, "images": 11, "errors": 2}
    assert "Dask cluster: 2 workers" in out.stderr
    parts = sorted((tmp_path / "out").glob("part-*.jsonl"))
    assert [p.name for p in parts] == [f"part-{i:05d}.jsonl" for i in range(4)]
    recs = [json.loads(line) for p in parts for line in p.read_text().splitlines()]
    assert [r["image"] for r in recs] == files + [str(tmp_path / "gone.png")]
    # the same records as platekit read on the same files
    serial = [json.loads(line) for line in _read(models, *files, "--format", "jsonl").stdout.splitlines()]
    assert [_strip(r) for r in recs[:-1]] == [_strip(r) for r in serial]
    # a rerun, on a local cluster that the command starts itself, skips the parts already written
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert "Dask cluster: 2 workers" in again.stderr
    assert json.loads(again.stdout) == {"parts": 4, "skipped": 4, "images": 0, "errors": 0}
    assert again.returncode == 0 and not list((tmp_path / "out").glob("*.tmp-*"))
    assert np.all([p.stat().st_size > 0 for p in parts])
