"""Lightning DDP on the CPU: ``trainer.strategy=ddp trainer.devices=2`` trains and checkpoints (gloo).

Runs the real command in a subprocess: Lightning's DDP launcher starts the second process by running
the same command line again, as it would for a user."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
import torch
from test_recognizer_training import _fake_ccpd

from platekit.models.registry import create_model, load_checkpoint

pytestmark = pytest.mark.skipif(not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
                                reason="this torch build has no gloo backend")


def test_ddp_two_cpu_processes_train_and_checkpoint(tmp_path):
    data = tmp_path / "ccpd"
    _fake_ccpd(data)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"""
model: crnn_ctc
model_args: {{widths: [8, 16, 16, 24], hidden: 16}}
input_size: [32, 96]
out_dir: {tmp_path / "run"}
data:
  train: [{{path: {data}, mode: mix}}]
  val: [{{path: {data}, name: fake}}]
  batch_size: 4
  steps_per_epoch: 3
  cache_dir: null
trainer: {{max_epochs: 2, num_threads: 1, strategy: ddp, devices: 2, accelerator: cpu}}
""")
    out = subprocess.run([sys.executable, "-m", "platekit.cli.main", "-v", "train", "recognizer", str(cfg)],
                         capture_output=True, text=True, timeout=300)
    # shown with pytest -s: the DDP start-up lines and the end of the run
    print("\n".join(line for line in out.stderr.splitlines() if "RANK" in line or "distributed_backend" in line))
    print(out.stderr[-800:])
    assert out.returncode == 0, out.stderr[-3000:]
    # two processes joined one gloo process group
    assert "distributed_backend=gloo" in out.stderr and "MEMBER: 2/2" in out.stderr
    summaries = [line for line in out.stdout.splitlines() if line.startswith("{")]
    assert len(summaries) == 1, out.stdout  # rank 0 reports, rank 1 prints nothing
    summary = json.loads(out.stdout[out.stdout.index("{"):])
    rows = list(csv.DictReader(open(tmp_path / "run" / "logs" / "version_0" / "metrics.csv")))
    val_steps = [(int(r["epoch"]), int(r["step"])) for r in rows if r.get("val/plate_acc")]
    assert val_steps == [(0, 2), (1, 5)]  # validated after each of 2 epochs of 3 steps (steps count from 0)
    best = torch.load(summary["best_ckpt"], map_location="cpu", weights_only=False)
    assert best["platekit"]["model_name"] == "crnn_ctc" and best["global_step"] in (3, 6)
    model, meta = load_checkpoint(summary["pt"])
    torch.manual_seed(0)
    init = create_model("crnn_ctc", region="cn", input_size=(32, 96), widths=(8, 16, 16, 24), hidden=16)
    changed = [k for k, v in model.state_dict().items()
               if v.dtype.is_floating_point and not torch.equal(v, init.state_dict()[k])]
    assert changed, "the weights did not move: nothing was trained"
