"""Masked-autoencoder pretraining of a MaskOCR encoder on *unlabelled* plate crops.

Data = real CCPD crops of the **train** side of ``split_by_text(records, val_fraction)`` (labels
ignored; the validation plates are never seen, so the with/without-pretraining ablation stays
honest) + synthetic crops from ``synth.generator.PlateSynth``. Both are decoded once and cached
as ``.npy`` arrays in ``data.cache_dir``.

The checkpoint (``<out_dir>/maskocr_mae.pt``, ``models.registry.save_checkpoint`` format, plus the
Lightning ``last.ckpt`` with the same payload under ``ckpt["platekit"]``) holds the whole model; a
recognizer fine-tuned with ``init_from: <that file>`` takes its ``encoder.*`` weights.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from platekit.errors import PlatekitError
from platekit.train.config import OptimConfig, StrictModel, TrainerConfig

log = logging.getLogger(__name__)


class PretrainDataConfig(StrictModel):
    ccpd_root: str | None = "../shared/data/ccpd2019_base"  # None: synthetic crops only
    val_fraction: float = Field(0.2, ge=0, lt=1)  # the by-text split; its val side is never used
    real_variants: int = Field(3, ge=1)  # jittered crops cached per real image
    crop_margin: float = Field(0.05, ge=0)  # as core.geometry.rectify (and the synthetic crops)
    margin_jitter: float = Field(0.03, ge=0)
    corner_jitter: float = Field(0.02, ge=0)  # per-corner noise, fraction of plate width/height
    synth_count: int = Field(8000, ge=0)
    synth_formats: list[str] = ["cn-blue", "cn-green"]
    synth_difficulty: float = Field(0.5, ge=0, le=1)
    cache_dir: str = "../runs/maskocr/cache"
    photometric: float = Field(0.2, ge=0, le=1)  # random brightness/contrast strength at load time


class PretrainConfig(StrictModel):
    model: str = "maskocr_tiny"
    model_args: dict[str, Any] = {}
    region: str = "cn"
    mask_ratio: float = Field(0.7, ge=0, lt=1)
    batch_size: int = Field(64, ge=1)
    seed: int = 0
    out_dir: str = "../runs/maskocr/pretrain"
    data: PretrainDataConfig = PretrainDataConfig()
    optim: OptimConfig = OptimConfig(lr=1e-3, weight_decay=0.05, warmup_pct=0.05, grad_clip=1.0)
    trainer: TrainerConfig = TrainerConfig(max_epochs=1000, max_steps=3000, num_threads=1)


# --- data ----------------------------------------------------------------------------------------------


def _jitter_corners(c: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Move each of the 4 corners (lt, rt, rb, lb) by up to ``amount`` of the plate width/height."""
    w = np.linalg.norm(c[1] - c[0])
    h = np.linalg.norm(c[3] - c[0])
    return (c + rng.uniform(-amount, amount, (4, 2)) * np.array([w, h], np.float32)).astype(np.float32)


def real_crops(cfg: PretrainDataConfig, input_size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """Train-split CCPD crops, ``real_variants`` jittered rectifications each: uint8 [M, H, W, 3]."""
    from platekit.core.geometry import rectify
    from platekit.core.image import load_image
    from platekit.data.readers import read_ccpd
    from platekit.data.split import split_by_text

    h, w = input_size
    root = Path(cfg.ccpd_root)
    key = f"ccpd_train_{h}x{w}_m{cfg.crop_margin}_j{cfg.corner_jitter}_{cfg.margin_jitter}_v{cfg.real_variants}_vf{cfg.val_fraction}_s{seed}"
    cache = Path(cfg.cache_dir) / f"{key}.npy"
    if cache.is_file():
        return np.load(cache)
    if not root.is_dir():
        raise PlatekitError(f"CCPD folder not found: {root} (set data.ccpd_root, or null for synthetic only)")
    train, val = split_by_text(read_ccpd(str(root)), cfg.val_fraction)
    log.info(f"real crops: {len(train)} train images ({len(val)} validation images left out)")
    rng = np.random.default_rng(seed)
    out = np.zeros((len(train) * cfg.real_variants, h, w, 3), np.uint8)
    for i, s in enumerate(train):
        img = load_image(s.image_path)
        c = np.asarray(s.corners, np.float32).reshape(4, 2)
        for v in range(cfg.real_variants):
            cj = c if v == 0 else _jitter_corners(c, rng, cfg.corner_jitter)
            m = cfg.crop_margin if v == 0 else max(0.0, cfg.crop_margin + rng.uniform(-1, 1) * cfg.margin_jitter)
            out[i * cfg.real_variants + v] = rectify(img, cj, (w, h), m)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, out)
    return out


def synth_crops(cfg: PretrainDataConfig, input_size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """``synth_count`` synthetic crops (texts discarded): uint8 [M, H, W, 3]."""
    h, w = input_size
    if cfg.synth_count == 0:
        return np.zeros((0, h, w, 3), np.uint8)
    from platekit.synth.generator import PlateSynth

    fmts = ",".join(cfg.synth_formats)
    cache = Path(cfg.cache_dir) / f"synth_{h}x{w}_{fmts}_d{cfg.synth_difficulty}_m{cfg.crop_margin}_n{cfg.synth_count}_s{seed}.npy"
    if cache.is_file():
        return np.load(cache)
    gen = PlateSynth(formats=tuple(cfg.synth_formats), size=(w, h), difficulty=cfg.synth_difficulty,
                     seed=seed, crop_margin=cfg.crop_margin)
    out = np.stack([gen.sample_at(i)[0] for i in range(cfg.synth_count)])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, out)
    return out


class CropDataset:
    """Unlabelled crops uint8 [M, H, W, 3] with light photometric jitter -> uint8 [H, W, 3]."""

    def __init__(self, crops: np.ndarray, photometric: float = 0.2, seed: int = 0):
        if len(crops) == 0:
            raise PlatekitError("no pretraining crops: set data.ccpd_root and/or data.synth_count > 0")
        self.crops, self.photometric, self.seed = crops, photometric, seed

    def __len__(self) -> int:
        return len(self.crops)

    def __getitem__(self, i: int) -> np.ndarray:
        x = self.crops[i]
        if self.photometric > 0:
            rng = np.random.default_rng()
            a = 1 + rng.uniform(-1, 1) * self.photometric  # contrast
            b = rng.uniform(-1, 1) * self.photometric * 64  # brightness
            x = np.clip(x.astype(np.float32) * a + b + (1 - a) * x.mean(), 0, 255).astype(np.uint8)
            if rng.random() < 0.5:  # colour order: blue and green plates swap hue
                x = x[..., rng.permutation(3)]
        return np.ascontiguousarray(x)


def _collate(batch: list[np.ndarray]):
    import torch

    return torch.from_numpy(np.stack(batch))


# --- Lightning module ----------------------------------------------------------------------------------


def _lightning_module():
    import lightning as L
    import torch

    from platekit.models.registry import create_model

    class MAEPretrainModule(L.LightningModule):
        """``model.forward_mae`` on uint8 crops; logs ``train/loss`` (MSE on masked strips)."""

        def __init__(self, cfg: PretrainConfig):
            super().__init__()
            self.cfg = cfg
            self.model = create_model(cfg.model, region=cfg.region, mae_head=True, **cfg.model_args)

        def training_step(self, batch, batch_idx):
            loss, _, _ = self.model.forward_mae(batch, self.cfg.mask_ratio)
            self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=False, batch_size=len(batch))
            return loss

        def configure_optimizers(self):
            o = self.cfg.optim
            decay = [p for n, p in self.model.named_parameters() if p.ndim >= 2 and "queries" not in n
                     and "mask_token" not in n]
            no_decay = [p for n, p in self.model.named_parameters() if not (p.ndim >= 2 and "queries" not in n
                        and "mask_token" not in n)]
            groups = [{"params": decay, "weight_decay": o.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
            cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "radam": torch.optim.RAdam}[o.name]
            opt = cls(groups, lr=o.lr, betas=(0.9, 0.95))
            if o.schedule == "none":
                return opt
            if o.schedule != "onecycle":
                raise PlatekitError(f"pretraining supports optim.schedule onecycle or none, got {o.schedule!r}")
            from platekit.train.optim import one_cycle

            sched = one_cycle(opt, o.lr, self.trainer.estimated_stepping_batches, o.warmup_pct)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

        def on_save_checkpoint(self, checkpoint: dict) -> None:
            checkpoint["platekit"] = _payload(self.model, self.cfg)

    return MAEPretrainModule


def _payload(model, cfg: PretrainConfig, **extra: Any) -> dict:
    return {
        "model_name": model.model_name,
        "model_args": model.model_args,
        "config": cfg.model_dump(),
        "region": cfg.region,
        "crop_margin": cfg.data.crop_margin,
        "stage": "mae-pretrain",
        **extra,
    }


# --- entry point ------------------------------------------------------------------------------------------


def run_pretrain(cfg: PretrainConfig) -> Path:
    """Pretrain; returns the path of the saved checkpoint (``<out_dir>/maskocr_mae.pt``)."""
    import lightning as L
    import torch

    from platekit.models.registry import create_model, save_checkpoint

    torch.set_num_threads(cfg.trainer.num_threads)
    torch.set_flush_denormal(True)
    L.seed_everything(cfg.seed, workers=True)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    probe = create_model(cfg.model, region=cfg.region, **cfg.model_args)
    if not hasattr(probe, "forward_mae"):
        raise PlatekitError(f"model {cfg.model!r} has no forward_mae: only MaskOCR models can be MAE-pretrained")
    size = probe.input_size
    t0 = time.time()
    parts = [synth_crops(cfg.data, size, cfg.seed)]
    if cfg.data.ccpd_root:
        parts.insert(0, real_crops(cfg.data, size, cfg.seed))
    crops = np.concatenate(parts)
    log.info(f"pretraining crops: {len(crops)} ({' + '.join(str(len(p)) for p in parts)}), "
          f"input {size[0]}x{size[1]}, prepared in {time.time() - t0:.0f} s")
    ds = CropDataset(crops, cfg.data.photometric, cfg.seed)
    dl = torch.utils.data.DataLoader(ds, batch_size=cfg.batch_size, shuffle=True, drop_last=True,
                                     num_workers=0, collate_fn=_collate)

    module = _lightning_module()(cfg)
    t = cfg.trainer
    from platekit.train.trainer import make_trainer

    trainer = make_trainer(
        t, [L.pytorch.callbacks.ModelCheckpoint(dirpath=str(out), filename="mae-{step}", save_last=True,
                                                save_top_k=1, every_n_train_steps=250)],
        default_root_dir=str(out), logger=L.pytorch.loggers.CSVLogger(str(out), name="logs"),
        gradient_clip_val=cfg.optim.grad_clip, enable_model_summary=False,
    )
    t0 = time.time()
    try:
        trainer.fit(module, dl)
    except SystemExit:  # Lightning exits after a graceful Ctrl+C: keep what was learnt so far
        if not trainer.interrupted or trainer.global_step == 0:
            raise
        log.info(f"interrupted at step {trainer.global_step}: saving the encoder as it is")
    minutes = (time.time() - t0) / 60

    # fixed-mask evaluation loss on a fixed subset (reproducible number for the docs)
    model = module.model.eval()
    g = np.random.default_rng(12345)
    idx = g.choice(len(crops), size=min(512, len(crops)), replace=False)
    torch.manual_seed(0)
    with torch.no_grad():
        losses = [model.forward_mae(torch.from_numpy(crops[idx[i:i + 128]]), cfg.mask_ratio)[0].item()
                  for i in range(0, len(idx), 128)]
    final = float(np.mean(losses))
    stats = {"steps": int(trainer.global_step), "minutes": round(minutes, 1), "eval_mae_loss": round(final, 4),
             "n_crops": int(len(crops)), "mask_ratio": cfg.mask_ratio}
    path = out / "maskocr_mae.pt"
    save_checkpoint(str(path), model, config=cfg.model_dump(), region=cfg.region,
                    crop_margin=cfg.data.crop_margin, stage="mae-pretrain", metrics=stats)
    (out / "metrics.json").write_text(json.dumps(stats, indent=2))
    _save_reconstructions(model, crops[idx[:8]], cfg.mask_ratio, out / "reconstructions.png")
    log.info(f"saved {path}: {json.dumps(stats)}")
    return path


def _save_reconstructions(model, crops: np.ndarray, mask_ratio: float, path: Path) -> None:
    """Rows: input | masked input | reconstruction (visible strips pasted back)."""
    import cv2
    import torch

    torch.manual_seed(0)
    x = torch.from_numpy(crops)
    with torch.no_grad():
        _, pred, mask = model.forward_mae(x, mask_ratio)
        img = model.patchify(model.normalize(x))
        if model.norm_pix_loss:  # undo the per-strip normalisation with the true strip statistics
            mu, var = img.mean(-1, keepdim=True), img.var(-1, keepdim=True)
            pred = pred * (var + 1e-6).sqrt() + mu
        m = mask[..., None]
        masked = model.unpatchify(img * (1 - m))
        recon = model.unpatchify(img * (1 - m) + pred * m)
    def to_u8(t):
        return ((t.permute(0, 2, 3, 1).numpy() * 0.5 + 0.5).clip(0, 1) * 255).astype(np.uint8)

    rows = [np.concatenate([a, b, c], 1) for a, b, c in zip(crops, to_u8(masked), to_u8(recon), strict=True)]
    cv2.imwrite(str(path), np.concatenate(rows, 0)[..., ::-1])
