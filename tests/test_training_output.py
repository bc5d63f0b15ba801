"""Training output: Lightning's start-up noise silenced, progress as log lines on a non-terminal (bar on
a terminal, with loss and val_acc only), ``-q`` / ``-v``, results on stdout and messages on stderr."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from test_recognizer_training import _fake_ccpd

from platekit import log as pklog
from platekit.train.config import TrainerConfig

NOISE = ["GPU available", "TPU available", "configured so 100%", "Tip:", "FLOPs", "Seed set to",
         "LeafSpec", "Total params", "smaller than the logging interval"]


def test_cli_training_output_is_quiet_and_shows_progress(tmp_path):
    data = tmp_path / "ccpd"
    _fake_ccpd(data)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("model: crnn_ctc\nmodel_args: {widths: [8, 16, 16, 24], hidden: 16}\ninput_size: [32, 96]\n")
    over = [f"out_dir={tmp_path / 'run'}", "data.cache_dir=null", f"data.train=[{{path: {data}, mode: mix}}]",
            f"data.val=[{{path: {data}, name: fake}}]", "data.batch_size=4", "data.steps_per_epoch=3",
            "trainer.max_epochs=2", "trainer.num_threads=1", "trainer.log_every_n_steps=1"]
    cmd = [sys.executable, "-m", "platekit.cli.main", "train", "recognizer", str(cfg), *over]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["pt"].endswith("best.pt")  # stdout: the summary only
    assert "val set fake_corners: 12 plates" in out.stderr
    assert "epoch 0 step 3:" in out.stderr and "epoch 1 step 6:" in out.stderr  # progress lines (no terminal)
    assert "step 5/6 loss" in out.stderr  # every 5 x log_every_n_steps steps: loss, s/step, eta
    assert not [n for n in NOISE if n in out.stderr], out.stderr


def test_quiet_and_verbose_levels():
    logger = logging.getLogger("platekit.train.recognizer")
    try:
        pklog.setup(-1)
        assert not logger.isEnabledFor(logging.INFO) and logger.isEnabledFor(logging.WARNING)
        assert TrainerConfig().enable_progress_bar is None  # decided at run time
        pklog.setup(0)
        assert logger.isEnabledFor(logging.INFO) and not logger.isEnabledFor(logging.DEBUG)
        assert logging.getLogger("lightning.fabric.utilities.seed").getEffectiveLevel() == logging.WARNING
        pklog.setup(1)
        assert logger.isEnabledFor(logging.DEBUG)
        assert logging.getLogger("lightning.pytorch").getEffectiveLevel() == logging.INFO
    finally:
        pklog.setup(0)


def test_trainer_kwargs_and_progress_bar(monkeypatch):
    from platekit.train.trainer import make_trainer, show_progress_bar

    kw = TrainerConfig().lightning_kwargs()
    assert "limit_train_batches" not in kw and "val_check_interval" not in kw  # no "configured so 100%"
    assert TrainerConfig(limit_train_batches=1).lightning_kwargs()["limit_train_batches"] == 1  # 1 batch, kept
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert not show_progress_bar(TrainerConfig())
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert show_progress_bar(TrainerConfig()) and not show_progress_bar(TrainerConfig(enable_progress_bar=False))
    trainer = make_trainer(TrainerConfig(enable_progress_bar=True, max_epochs=1), logger=False)
    bar = trainer.progress_bar_callback
    assert bar is not None and type(bar).__name__ == "Bar"

    class T:  # what the bar reads from the trainer
        callback_metrics = {"train/loss": 1.23456, "val/plate_acc": 0.5, "val/fake_corners/cer": 0.1, "v_num": 3}

    assert bar.get_metrics(T(), None) == {"loss": "1.2346", "val_acc": "0.5000"}


def test_last_checkpoint_is_the_last_epoch_not_the_best(tmp_path):
    # Lightning's save_last copies only when the monitored value improves; platekit's last.ckpt is the last epoch
    import lightning as L  # noqa: N812
    import torch

    from platekit.train.trainer import checkpoint_callbacks

    scores = [0.5, 0.9, 0.1]  # best at epoch 1, last epoch 2

    class Tiny(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def training_step(self, batch, i):
            return (self.w - batch[0]).pow(2).mean()

        def validation_step(self, batch, i):
            self.log("val/score", scores[self.current_epoch])

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    dl = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(2, 1)), batch_size=2)
    best, last = checkpoint_callbacks(str(tmp_path), "val/score")
    trainer = L.Trainer(max_epochs=3, callbacks=[best, last], logger=False, enable_progress_bar=False,
                        enable_model_summary=False, accelerator="cpu")
    trainer.fit(Tiny(), dl, dl)
    epoch = {p.name: torch.load(p, map_location="cpu", weights_only=False)["epoch"] for p in tmp_path.glob("*.ckpt")}
    assert epoch == {"best.ckpt": 1, "last.ckpt": 2}
    assert last.best_model_path == str(tmp_path / "last.ckpt")
