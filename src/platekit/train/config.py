"""Frozen pydantic configs loaded from YAML, with ``key=value`` overrides and "did you mean" errors.

Shared by every training command (recognizer, detector, pretraining). Each command defines its
own top-level config from these blocks.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from platekit.errors import PlatekitError


class StrictModel(BaseModel):
    """Frozen; unknown keys rejected with the closest known key suggested."""

    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    @model_validator(mode="before")
    @classmethod
    def _did_you_mean(cls, data: Any):
        if isinstance(data, dict):
            known = set(cls.model_fields)
            for key in data:
                if key not in known:
                    close = difflib.get_close_matches(str(key), sorted(known), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
                    raise ValueError(f"unknown key {key!r} in {cls.__name__}{hint}")
        return data


class OptimConfig(StrictModel):
    name: Literal["adam", "adamw", "radam"] = "adamw"
    lr: float = Field(2e-3, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    backbone_lr_mult: float = Field(1.0, gt=0)
    schedule: Literal["onecycle", "plateau", "exponential", "none"] = "onecycle"
    warmup_pct: float = Field(0.1, ge=0, lt=1)
    gamma: float = Field(0.97, gt=0, le=1)  # exponential decay per epoch
    plateau_patience: int = Field(3, ge=1)
    plateau_factor: float = Field(0.3, gt=0, lt=1)
    grad_clip: float | None = Field(5.0, gt=0)


class TrainerConfig(StrictModel):
    """Passed to lightning.Trainer as is (devices, strategy, precision ... work unchanged with DDP)."""

    max_epochs: int = Field(20, ge=1)
    max_steps: int = -1
    max_time_minutes: float | None = None
    accelerator: str = "cpu"
    devices: int | str | list[int] = 1
    strategy: str = "auto"
    precision: str | int = "32-true"
    num_nodes: int = 1
    log_every_n_steps: int = 20
    val_check_interval: float | int = 1.0
    limit_train_batches: float | int = 1.0
    limit_val_batches: float | int = 1.0
    enable_progress_bar: bool | None = None  # None: a progress bar when stderr is a terminal, else log lines
    deterministic: bool = False
    num_threads: int = Field(2, ge=1)  # torch intra-op threads on the CPU

    def lightning_kwargs(self) -> dict:
        """Keyword arguments for ``lightning.Trainer`` (everything here but num_threads and the progress bar);
        the limits left at their defaults are not passed (Lightning would log "configured so 100%" for each)."""
        kw = self.model_dump(exclude={"num_threads", "max_time_minutes", "enable_progress_bar"})
        kw["max_time"] = {"minutes": self.max_time_minutes} if self.max_time_minutes else None
        for k in ("limit_train_batches", "limit_val_batches", "val_check_interval"):
            if isinstance(kw[k], float) and kw[k] == 1.0:
                del kw[k]
        return kw


M = TypeVar("M", bound=BaseModel)


def _set_dotted(d: dict, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    cur = d
    for k in keys[:-1]:
        cur = cur.setdefault(k, {})
        if not isinstance(cur, dict):
            raise PlatekitError(f"override {dotted!r}: {k!r} is not a section")
    cur[keys[-1]] = value


def parse_overrides(overrides: list[str]) -> dict:
    out: dict = {}
    for o in overrides:
        if "=" not in o:
            raise PlatekitError(f"override {o!r} is not key=value (e.g. optim.lr=0.001)")
        k, v = o.split("=", 1)
        _set_dotted(out, k.strip(), yaml.safe_load(v))
    return out


def _deep_merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(cls: type[M], path: str | Path | None, overrides: list[str] | None = None) -> M:
    """YAML file + dotted overrides -> validated frozen config; errors are PlatekitError lines."""
    data: dict = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise PlatekitError(f"config file not found: {p}")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise PlatekitError(f"{p}: invalid YAML ({e})") from None
        if not isinstance(data, dict):
            raise PlatekitError(f"{p}: top level must be a mapping")
    data = _deep_merge(data, parse_overrides(overrides or []))
    try:
        return cls.model_validate(data)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
            lines.append(f"{loc}: {err['msg']}")
        raise PlatekitError(f"invalid config {path or ''}: " + "; ".join(lines)) from None
