"""``lightning.Trainer`` from a :class:`TrainerConfig`: quiet start-up, a progress bar with the loss
and the validation score, or plain progress lines when stderr is not a terminal (nohup logs, CI)."""

from __future__ import annotations

import logging
import sys
import time

from platekit import log as pklog
from platekit.train.config import TrainerConfig

log = logging.getLogger(__name__)

# progress-bar names of the logged metrics (the logger keeps the full names)
BAR_METRICS = {"train/loss": "loss", "train/loss_step": "loss", "val/plate_acc": "val_acc", "val/ap50": "val_ap50"}


def _bar_class(L):  # noqa: N803
    class Bar(L.pytorch.callbacks.RichProgressBar):
        """Rich progress bar showing only ``loss`` and the validation score (no v_num, no long names)."""

        def get_metrics(self, trainer, pl_module):
            m = trainer.callback_metrics
            return {short: f"{float(m[k]):.4f}" for k, short in BAR_METRICS.items() if k in m}

    return Bar


def _lines_class(L):  # noqa: N803
    class Lines(L.Callback):
        """A log line every ``every`` steps (loss, s/step, eta) and after each validation."""

        def __init__(self, every: int):
            self.every = every

        def on_train_start(self, trainer, pl_module):
            self.t0 = time.time()

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            step = trainer.global_step
            if step % self.every == 0 and step and trainer.is_global_zero:
                el = time.time() - self.t0
                total = trainer.estimated_stepping_batches
                loss = float(outputs["loss"]) if isinstance(outputs, dict) else float(outputs)
                log.info(f"step {step}/{total} loss {loss:.3f} {el / step:.2f} s/step, "
                         f"eta {(total - step) * el / step / 60:.1f} min")

        def on_validation_end(self, trainer, pl_module):
            if trainer.sanity_checking or not trainer.is_global_zero:
                return
            m = {k: round(float(v), 4) for k, v in trainer.callback_metrics.items()
                 if k.endswith(("plate_acc", "ap50", "recall"))}
            log.info(f"epoch {trainer.current_epoch} step {trainer.global_step}: {m}")

    return Lines


def show_progress_bar(tc: TrainerConfig) -> bool:
    """The config's ``enable_progress_bar``, or by default: stderr is a terminal and not ``-q``."""
    if tc.enable_progress_bar is not None:
        return tc.enable_progress_bar
    return sys.stderr.isatty() and pklog.verbosity() >= 0


def make_trainer(tc: TrainerConfig, callbacks: list | None = None, **kwargs):
    """``lightning.Trainer(**config, callbacks + progress, **kwargs)`` with Lightning's noise silenced."""
    import lightning as L  # noqa: N812

    pklog.tame_lightning()
    callbacks = list(callbacks or [])
    bar = show_progress_bar(tc)
    if bar:
        callbacks.append(_bar_class(L)(console_kwargs={"stderr": True}))  # stdout keeps the results
    elif pklog.verbosity() >= 0:
        callbacks.append(_lines_class(L)(max(1, tc.log_every_n_steps * 5)))
    kw = tc.lightning_kwargs()
    kw["enable_progress_bar"] = bar
    kw.setdefault("enable_model_summary", pklog.verbosity() > 0)
    kw.update(kwargs)
    return L.Trainer(callbacks=callbacks, **kw)


def checkpoint_callbacks(dirpath: str, monitor: str) -> tuple:
    """(best, last): ``best.ckpt`` at the best ``monitor`` value and ``last.ckpt`` after every validation.

    Lightning's ``save_last=True`` copies the last checkpoint only when it saves another one, i.e. when the
    monitored value improves: ``last.ckpt`` was then the best epoch, not the last (found in session 8 on the
    detector runs). A second, unmonitored callback writes the real last epoch.
    """
    from lightning.pytorch.callbacks import ModelCheckpoint

    best = ModelCheckpoint(dirpath=dirpath, filename="best", monitor=monitor, mode="max", save_top_k=1)
    last = ModelCheckpoint(dirpath=dirpath, filename="last", monitor=None, save_top_k=1, enable_version_counter=False)
    return best, last
