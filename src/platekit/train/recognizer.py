"""``platekit train recognizer``: config, LightningModule (generic over slot and CTC models), fit.

Any registered recognizer with ``.decoder == "slots"`` (logits [N, S, C]) or ``"ctc"`` ([N, T, C])
and ``.region`` trains here (multihead, multihead_lstm, crnn_ctc, maskocr_*).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Literal

import numpy as np
from pydantic import Field

from platekit.errors import PlatekitError
from platekit.train.config import OptimConfig, StrictModel, TrainerConfig

log = logging.getLogger(__name__)

# --- config ------------------------------------------------------------------------------------


class SourceConfig(StrictModel):
    path: str
    kind: Literal["auto", "ccpd", "crops", "nomeroff", "csv"] = "auto"
    split: Literal["all", "train", "val"] = "all"
    val_fraction: float = Field(0.2, ge=0, le=1)
    mode: Literal["corners", "bbox", "mix"] = "mix"  # scenes: training crops by corners, box, or both
    limit: int | None = Field(None, ge=1)
    name: str | None = None  # validation set name in logs/metrics


class SynthConfig(StrictModel):
    formats: list[str] = ["cn-blue"]
    weights: list[float] | None = None
    ratio: float = Field(0.5, ge=0, le=1)  # fraction of training samples that are synthetic
    difficulty: float = Field(0.5, ge=0, le=1)
    val_samples: int = Field(0, ge=0)  # a fixed synthetic validation set of this size (0 = none)
    pool: int = Field(0, ge=0)  # > 0: pre-generate this many crops once (cached) instead of streaming
    bbox_share: float = Field(0.0, ge=0, le=1)  # share of crops cut as an axis-aligned box (box-only detectors)
    binarize: float = Field(0.0, ge=0, le=1)  # share of crops thresholded to black and white
    crop_jitter: float = Field(0.0, ge=0, le=0.5)  # per-side random crop extent: loose and tight crops
    # where the detected corners lie relative to the plate edge (left, top, right, bottom); None: CCPD's
    label_expand: tuple[float, float, float, float] | None = None
    val_difficulty: float | None = Field(None, ge=0, le=1)  # the synthetic validation set's (default: difficulty)
    plate_faces: bool = True  # False: no plate face (the GOST stroke face of ru plates), installed fonts only


class DataConfig(StrictModel):
    train: list[SourceConfig] = []
    val: list[SourceConfig] = []  # scene sources are validated on corner crops and on bbox crops
    synthetic: SynthConfig | None = None
    augment: float = Field(0.6, ge=0, le=1)  # augmentation strength
    # per-corner jitter of real crops (std as a fraction of plate width, height) at strength 1:
    # imitates detector corner errors; match it to the detector's measured corner error
    corner_jitter: tuple[float, float] = (0.02, 0.05)
    # region cn: probability that a real blue plate's province glyph is swapped for another province's
    # (a real plate's glyph, or a synthetic render with prob 1 - province_swap_real); undoes the 皖 skew
    province_swap: float = Field(0.0, ge=0, le=1)
    province_swap_real: float = Field(0.5, ge=0, le=1)
    exposure_aug: bool = False  # real crops also get over-exposure (glow) and night (dark, cast) variants
    # probability that a training crop (real or synthetic) is cut loosely and brought down to about 94x24
    # and back (LPRNet-style low-resolution crops; rec_data.lowres); 0: off, the stream unchanged
    lowres_aug: float = Field(0.0, ge=0, le=1)
    augment_backend: Literal["hand", "albumentations"] = "hand"  # photometric augmentation of real crops
    batch_size: int = Field(64, ge=1)
    steps_per_epoch: int = Field(200, ge=1)
    num_workers: int = Field(0, ge=0)
    cache_dir: str | None = "~/.cache/platekit/rec"
    monitor: str | None = None  # validation set whose plate accuracy picks the best checkpoint (default: first)


class LossConfig(StrictModel):
    name: Literal["ce", "focal", "ghm"] = "ce"  # slot models; CTC models always use CTC
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    slot_weights: list[float] | None = None
    focal_gamma: float = Field(2.0, ge=0)
    ghm_bins: int = Field(10, ge=2)
    ghm_momentum: float = Field(0.75, ge=0, lt=1)


class RecognizerTrainConfig(StrictModel):
    model: str = "multihead"
    model_args: dict[str, Any] = {}
    region: str = "cn"
    input_size: tuple[int, int] = (48, 144)  # H, W
    crop_margin: float = Field(0.05, ge=0, le=0.5)
    data: DataConfig = DataConfig()
    loss: LossConfig = LossConfig()
    optim: OptimConfig = OptimConfig()
    trainer: TrainerConfig = TrainerConfig()
    seed: int = 0
    out_dir: str = "runs/recognizer"
    logger: Literal["tensorboard", "csv", "none"] = "csv"
    init_from: str | None = None  # load matching weights (name + shape) from a checkpoint
    constrained_val: bool = True  # validation accuracy with format-constrained decoding
    # which weights become <out_dir>/best.pt: the best validation epoch, or the last one (no selection
    # on the validation split; use it when that split is also the one you report)
    keep: Literal["best", "last"] = "best"
    # parameter-name prefixes that stay as init_from left them ("cnn." keeps a CRNN's convolutions, BatchNorm
    # statistics included): what a fine-tune may not move while it learns something new
    freeze: list[str] = []


# --- module ------------------------------------------------------------------------------------


def _lightning():
    import lightning as L  # noqa: N812

    return L


def is_frozen(name: str, prefixes: list[str]) -> bool:
    """``name`` (a parameter or module) lies under one of the dotted ``prefixes`` ("cnn" and "cnn." alike)."""
    return any(name == f.rstrip(".") or name.startswith(f.rstrip(".") + ".") for f in prefixes)


def remap_ctc_classes(state: dict, own: dict, old_alpha: str, new_alpha: str) -> dict:
    """A CTC reader's class rows (blank, alphabet, OOV) moved from ``old_alpha`` to ``new_alpha`` by character:
    every tensor whose first dimension is the old class count, where the model's is the new one, gets each
    character's old row; characters the old alphabet lacks start from the old OOV row (what the old reader
    learned to say for them). The other tensors pass through."""
    old_n, new_n = len(old_alpha) + 2, len(new_alpha) + 2
    where = {c: i + 1 for i, c in enumerate(old_alpha)}
    rows = [0] + [where.get(c, old_n - 1) for c in new_alpha] + [old_n - 1]  # new class -> old class
    out = dict(state)
    for k, v in state.items():
        if k in own and v.ndim >= 1 and v.shape[0] == old_n and own[k].shape[0] == new_n and v.shape[1:] == own[k].shape[1:]:
            out[k] = v[rows].clone()
    return out


def init_from_checkpoint(model, path: str, adapt=None) -> tuple[int, int]:
    """Copy the tensors of ``path`` whose name and shape match; -> (loaded, total).

    ``adapt``: state dict -> state dict, applied before matching (e.g. the detector's factorized convs)."""
    import torch

    from platekit.models.registry import trained_alphabet

    if not os.path.isfile(path):
        raise PlatekitError(f"init_from: no such checkpoint {path}")
    ck = torch.load(path, map_location="cpu", weights_only=False)
    state = ck.get("state_dict", ck) if isinstance(ck, dict) else ck
    if isinstance(ck, dict) and "platekit" in ck:
        state = {k[len("model."):]: v for k, v in state.items() if k.startswith("model.")}
    if adapt is not None:
        state = adapt(state)
    own = model.state_dict()
    meta = (ck.get("platekit", ck) if isinstance(ck, dict) else {})
    old_alpha = trained_alphabet(meta, state) if isinstance(meta, dict) else None
    new_alpha = getattr(model, "alphabet", None)
    if (old_alpha and new_alpha and old_alpha != new_alpha and new_alpha.startswith(old_alpha)
            and getattr(model, "decoder", None) == "ctc"):  # the same alphabet grown (another region's: fresh rows)
        state = remap_ctc_classes(state, own, old_alpha, new_alpha)
    match = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    if not match:
        raise PlatekitError(f"init_from: no tensor of {path} matches the model (names or shapes differ)")
    model.load_state_dict(match, strict=False)
    return len(match), len(own)


def build_module(model, cfg: RecognizerTrainConfig, val_names: list[str], meta: dict):
    """The LightningModule (built lazily so importing this file does not import lightning)."""
    import torch

    from platekit.core.formats import get_region
    from platekit.core.tokenizer import CTCTokenizer, SlotTokenizer
    from platekit.evaluation.metrics import cer as cer_fn
    from platekit.models.recognizers import decode_logits
    from platekit.train.losses import CTCLoss, SlotLoss

    L = _lightning()  # noqa: N806
    frozen_modules = [m for n, m in model.named_modules() if n and is_frozen(n, cfg.freeze) and not list(m.children())]

    class RecognizerModule(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.model = model
            self.cfg = cfg
            region = model.region_spec if hasattr(model, "region_spec") else get_region(model.region)
            if model.decoder == "slots":
                self.tok = SlotTokenizer.for_region(region)
                lc = cfg.loss
                self.loss_fn = SlotLoss(self.tok.n_slots, lc.name, lc.label_smoothing, lc.slot_weights,
                                        lc.focal_gamma, lc.ghm_bins, lc.ghm_momentum)
            elif model.decoder == "ctc":
                self.tok = CTCTokenizer.for_region(region)
                self.loss_fn = CTCLoss()
            else:
                raise PlatekitError(f"model {cfg.model!r} has unknown decoder {model.decoder!r}")
            self.val_names = val_names
            mon = cfg.data.monitor
            if mon is not None and mon not in val_names:
                raise PlatekitError(f"data.monitor {mon!r} is not a validation set; have: {', '.join(val_names)}")
            self.monitor_idx = val_names.index(mon) if mon else 0
            self._val: dict[int, list] = {}

        def forward(self, x):
            return self.model(x)

        def _loss(self, logits, texts):
            if self.model.decoder == "slots":
                y = torch.from_numpy(self.tok.encode(texts)).to(logits.device)
                return self.loss_fn(logits, y)
            y, lens = self.tok.encode(texts)
            return self.loss_fn(logits, torch.from_numpy(y), torch.from_numpy(lens))

        def on_train_batch_start(self, batch, batch_idx):
            for m in frozen_modules:  # Lightning puts the whole model in train mode: frozen leaves (BatchNorm, Dropout) stay in eval
                m.eval()

        def training_step(self, batch, _):
            x, texts = batch
            loss = self._loss(self.model(x), texts)
            self.log("train/loss", loss, prog_bar=True, batch_size=len(texts))
            return loss

        def validation_step(self, batch, _, dataloader_idx: int = 0):
            x, texts = batch
            logits = self.model(x)
            loss = self._loss(logits, texts)
            pred, cps = decode_logits(self.model, logits, constrained=cfg.constrained_val)
            self._val.setdefault(dataloader_idx, []).append((float(loss) * len(texts), pred, texts))

        def on_validation_epoch_end(self):
            for i, rows in sorted(self._val.items()):
                name = self.val_names[i]
                n = sum(len(r[2]) for r in rows)
                preds = [p for r in rows for p in r[1]]
                truth = [t for r in rows for t in r[2]]
                acc = float(np.mean([p == t for p, t in zip(preds, truth, strict=True)]))
                self.log(f"val/{name}/plate_acc", acc, prog_bar=i == 0, sync_dist=True)
                self.log(f"val/{name}/cer", cer_fn(preds, truth), sync_dist=True)
                self.log(f"val/{name}/loss", sum(r[0] for r in rows) / max(n, 1), sync_dist=True)
                if i == self.monitor_idx:
                    self.log("val/plate_acc", acc, sync_dist=True)
            self._val = {}

        def on_save_checkpoint(self, checkpoint):
            checkpoint["platekit"] = {**meta, "model_name": model.model_name, "model_args": model.model_args}

        def configure_optimizers(self):
            return make_optimizer(self.model, cfg, self.trainer)

    return RecognizerModule()


def make_optimizer(model, cfg: RecognizerTrainConfig, trainer):
    """Adam/AdamW/RAdam; backbone LR multiplier; no weight decay on norms and biases; schedules."""
    import torch

    o = cfg.optim
    from platekit.train.optim import build_optimizer

    opt, params = build_optimizer(model, o)
    if o.schedule == "none":
        return opt
    if o.schedule == "onecycle":
        from platekit.train.optim import one_cycle

        sched = one_cycle(opt, [g["lr"] for g in params], trainer.estimated_stepping_batches, o.warmup_pct)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
    if o.schedule == "plateau":
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=o.plateau_factor,
                                                           patience=o.plateau_patience)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "monitor": "val/plate_acc", "interval": "epoch"}}
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=o.gamma)
    return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "epoch"}}


# --- data --------------------------------------------------------------------------------------


def build_data(cfg: RecognizerTrainConfig, echo=None):
    """-> (train IterableDataset, [(name, crops uint8 [N,H,W,3], texts)])."""
    from platekit.train import rec_data as rd

    echo = echo or log.info
    h, w = cfg.input_size
    size = (w, h)
    cache = os.path.expanduser(cfg.data.cache_dir) if cfg.data.cache_dir else None
    ctxs, quads, texts, margins, pquads = [], [], [], [], []
    for sc in cfg.data.train:
        src = rd.Source(sc.path, sc.kind, sc.split, sc.val_fraction, sc.mode, sc.limit)
        samples = rd.load_samples(src, cfg.region)
        modes = ["corners", "bbox"] if sc.mode == "mix" else [sc.mode]
        for mode in modes:
            t0 = time.time()
            x, q, t, pq = rd.context_crops(samples, size, mode, cache)
            pquads.append(pq)
            has_c = np.array([s.corners is not None and mode == "corners" for s in samples])
            ctxs.append(x)
            quads.append(q)
            texts += t
            margins.append(np.where(has_c, cfg.crop_margin, 0.0))
            echo(f"train source {sc.path} [{mode}]: {len(t)} plates ({time.time() - t0:.1f} s)")
    pool = None
    if ctxs:
        if len({c.shape[1:] for c in ctxs}) > 1:
            raise PlatekitError("internal: context crops of different sizes")
        pool = rd.RealPool(np.concatenate(ctxs), np.concatenate(quads), texts, np.concatenate(margins),
                           np.concatenate(pquads))
    swap = None
    if pool is not None and cfg.data.province_swap > 0:
        if cfg.region != "cn":
            raise PlatekitError("data.province_swap works for region cn only")
        from platekit.core.formats import CN_PROVINCES

        glyphs = rd.synth_province_glyphs(CN_PROVINCES, 6, cfg.seed) if cfg.data.province_swap_real < 1 else None
        swap = rd.ProvinceSwap(pool, glyphs, cfg.data.province_swap_real)
        echo(f"province swap p={cfg.data.province_swap}: {int(swap.recipients.sum())} recipient crops, "
             f"{len(swap.real)} real donor provinces, {len(glyphs or [])} synthetic glyphs")
    synth, ratio = None, 0.0
    if cfg.data.synthetic is not None:
        from platekit.synth.generator import PlateSynth

        sy = cfg.data.synthetic
        synth = PlateSynth(formats=tuple(sy.formats), size=size, difficulty=sy.difficulty, seed=cfg.seed,
                           weights=sy.weights, crop_margin=cfg.crop_margin, bbox_share=sy.bbox_share,
                           **_looks(sy))
        ratio = sy.ratio
        if sy.pool:
            from platekit.synth.generator import generator_version

            key = {"formats": sy.formats, "weights": sy.weights, "d": sy.difficulty, "size": size, "m": cfg.crop_margin,
                   "generator": generator_version()}  # a changed generator = a new pool
            if sy.bbox_share:
                key["bbox"] = sy.bbox_share
            key.update({k: v for k, v in _looks(sy).items() if v and k != "plate_faces"})  # looks at their defaults add no key
            if not sy.plate_faces:
                key["no_faces"] = True
            gen = rd.synth_pool(synth, sy.pool, cfg.seed, cache, key, echo)
            synth = gen
    if pool is None and synth is None:
        raise PlatekitError("no training data: give data.train sources and/or data.synthetic")
    n = cfg.data.steps_per_epoch * cfg.data.batch_size
    train = rd.make_train_stream(pool, synth, ratio, size, cfg.data.augment, n, cfg.seed, cfg.data.corner_jitter,
                                 swap, cfg.data.province_swap, cfg.data.exposure_aug, cfg.data.augment_backend,
                                 cfg.data.lowres_aug)
    vals = []
    for sc in cfg.data.val:
        src = rd.Source(sc.path, sc.kind, sc.split, sc.val_fraction, sc.mode, sc.limit)
        samples = rd.load_samples(src, cfg.region)
        base = sc.name or os.path.basename(os.path.normpath(sc.path)) + ("" if sc.split == "all" else f"_{sc.split}")
        is_scene = any(s.corners is not None or s.box is not None for s in samples)
        modes = ["corners", "bbox"] if is_scene else ["whole"]
        for mode in modes:
            x, t = rd.eval_crops(samples, size, mode, cfg.crop_margin, cache)
            vals.append((f"{base}_{mode}" if is_scene else base, x, t))
            echo(f"val set {vals[-1][0]}: {len(t)} plates")
    if cfg.data.synthetic is not None and cfg.data.synthetic.val_samples:
        from platekit.synth.generator import PlateSynth

        sy = cfg.data.synthetic
        vd = sy.difficulty if sy.val_difficulty is None else sy.val_difficulty
        vs = PlateSynth(formats=tuple(sy.formats), size=size, difficulty=vd, seed=10_000 + cfg.seed,
                        weights=sy.weights, crop_margin=cfg.crop_margin, **_looks(sy))
        rng = np.random.default_rng(12345)
        ims, ts = zip(*[vs.sample(rng)[:2] for _ in range(cfg.data.synthetic.val_samples)], strict=True)
        vals.append(("synthetic", np.stack(ims), list(ts)))
    return train, vals


def _looks(sy: SynthConfig) -> dict:
    """The generator's real-world-look options of a synthetic config."""
    return {"binarize": sy.binarize, "crop_jitter": sy.crop_jitter, "label_expand": sy.label_expand,
            "plate_faces": sy.plate_faces}


# --- fit ---------------------------------------------------------------------------------------


def fit(cfg: RecognizerTrainConfig, echo=None) -> dict:
    """Train; -> summary dict (best checkpoint, .pt export of it, metrics, minutes). ``echo``: where the
    progress messages go (default: this module's logger)."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from platekit.models.registry import create_model, list_models, model_kind, save_checkpoint
    from platekit.train.rec_data import collate
    from platekit.train.trainer import checkpoint_callbacks, make_trainer

    echo = echo or log.info
    L = _lightning()  # noqa: N806
    torch.set_num_threads(cfg.trainer.num_threads)
    torch.set_flush_denormal(True)
    L.seed_everything(cfg.seed, workers=True)
    if cfg.model not in list_models() or model_kind(cfg.model) != "recognizer":
        import difflib

        known = list_models("recognizer")
        close = difflib.get_close_matches(cfg.model, known, n=1)
        raise PlatekitError(f"unknown recognizer {cfg.model!r}" + (f"; did you mean {close[0]!r}?" if close else
                                                                   f"; known: {', '.join(known)}"))
    try:
        model = create_model(cfg.model, region=cfg.region, input_size=tuple(cfg.input_size), **cfg.model_args)
    except TypeError as e:
        raise PlatekitError(f"model_args for {cfg.model}: {e}") from None
    if cfg.init_from:
        k, n = init_from_checkpoint(model, cfg.init_from)
        echo(f"init_from {cfg.init_from}: {k} of {n} tensors loaded")
    if cfg.freeze:
        if not cfg.init_from:
            raise PlatekitError("freeze needs init_from: frozen random weights learn nothing")
        frozen = [p for n_, p in model.named_parameters() if is_frozen(n_, cfg.freeze)]
        if not frozen:
            raise PlatekitError(f"freeze {cfg.freeze}: no parameter of {cfg.model} starts with these")
        for p in frozen:
            p.requires_grad_(False)
        echo(f"freeze {cfg.freeze}: {len(frozen)} tensors kept as loaded")
    n_params = sum(p.numel() for n_, p in model.named_parameters() if not n_.startswith("mae_decoder."))
    echo(f"model {cfg.model}: {n_params / 1e6:.3f} M parameters, input {cfg.input_size}, decoder {model.decoder}")

    train_ds, vals = build_data(cfg, echo)
    if not vals:
        raise PlatekitError("no validation data: give data.val sources or data.synthetic.val_samples")
    dl = DataLoader(train_ds, batch_size=cfg.data.batch_size, collate_fn=collate, num_workers=cfg.data.num_workers,
                    persistent_workers=cfg.data.num_workers > 0)

    def _val_loader(x, t):
        ds = TensorDataset(torch.from_numpy(x), torch.arange(len(t)))
        return DataLoader(ds, batch_size=128, collate_fn=lambda b: (torch.stack([i[0] for i in b]),
                                                                    [t[int(i[1])] for i in b]))

    val_dls = [_val_loader(x, t) for _, x, t in vals]
    val_names = [v[0] for v in vals]
    meta = {
        "config": cfg.model_dump(mode="json"), "region": cfg.region, "alphabet": model.alphabet if hasattr(model, "alphabet") else None,
        "crop_margin": cfg.crop_margin, "input_size": list(cfg.input_size), "decoder": model.decoder,
        "params": n_params, "val_sets": val_names,
    }
    module = build_module(model, cfg, val_names, meta)
    os.makedirs(cfg.out_dir, exist_ok=True)
    ckpt_cb, last_cb = checkpoint_callbacks(os.path.join(cfg.out_dir, "checkpoints"), "val/plate_acc")
    callbacks = [ckpt_cb, last_cb]
    if cfg.logger == "tensorboard":
        logger = L.pytorch.loggers.TensorBoardLogger(cfg.out_dir, name="logs")
    elif cfg.logger == "csv":
        logger = L.pytorch.loggers.CSVLogger(cfg.out_dir, name="logs")
    else:
        logger = False
    if logger:  # logger: none -> no learning-rate log (Lightning refuses the monitor without a logger)
        callbacks.append(L.pytorch.callbacks.LearningRateMonitor("step"))
    trainer = make_trainer(cfg.trainer, callbacks, gradient_clip_val=cfg.optim.grad_clip, logger=logger,
                           default_root_dir=cfg.out_dir, num_sanity_val_steps=0,
                           use_distributed_sampler=False)  # DDP: every process validates the whole val set
    t0 = time.time()
    trainer.fit(module, train_dataloaders=dl, val_dataloaders=val_dls)
    minutes = (time.time() - t0) / 60
    if not trainer.is_global_zero:  # DDP: rank 0 writes best.pt and reports
        return {"rank": trainer.global_rank}
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
    last = last_cb.best_model_path  # the unmonitored callback's one file: the last validated epoch
    best = ckpt_cb.best_model_path or last
    best_acc = float(ckpt_cb.best_model_score or 0)
    kept_acc = best_acc  # val accuracy of the weights that are saved
    if cfg.keep == "last":  # the weights in memory are the last epoch's
        best, kept_acc = last, float(metrics.get("val/plate_acc", 0.0))
    elif best:
        state = torch.load(best, map_location="cpu", weights_only=False)["state_dict"]
        module.load_state_dict(state)
    pt = os.path.join(cfg.out_dir, "best.pt")
    save_checkpoint(pt, model, **meta, train_minutes=minutes, val_plate_acc=kept_acc, kept=cfg.keep,
                    metrics={f"{cfg.data.monitor or val_names[0]}/plate_acc": kept_acc, "train_minutes": round(minutes, 1)})
    summary = {"best_ckpt": best, "pt": pt, "train_minutes": round(minutes, 2), "params": n_params,
               "best_val_plate_acc": best_acc, "kept": cfg.keep, "last_metrics": metrics}
    echo(f"done in {minutes:.1f} min; best val/plate_acc {summary['best_val_plate_acc']:.4f}; kept {cfg.keep} "
         f"(val/plate_acc {kept_acc:.4f}): {pt}")
    return summary
