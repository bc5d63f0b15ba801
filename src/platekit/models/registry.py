"""timm-style model registry: ``create_model(name, **overrides)``; checkpoints rebuild their model.

A registered *entrypoint* is a function returning an ``nn.Module``; its keyword arguments are the
model's args. Checkpoints (see :func:`save_checkpoint`) store name + args + state_dict + the
training config + anything else (charset, region), so :func:`load_checkpoint` needs nothing else.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

_REGISTRY: dict[str, Callable[..., nn.Module]] = {}
_KIND: dict[str, str] = {}


def register_model(kind: str = "recognizer"):
    """Decorator: register an entrypoint under its function name. kind: recognizer | detector."""

    def deco(fn: Callable[..., nn.Module]):
        if fn.__name__ in _REGISTRY:
            raise ValueError(f"model {fn.__name__!r} registered twice")
        _REGISTRY[fn.__name__] = fn
        _KIND[fn.__name__] = kind
        return fn

    return deco


def _ensure_imported() -> None:
    # importing the model modules registers their entrypoints
    import importlib

    for mod in ("recognizers", "crnn", "maskocr", "detector", "region_classifier"):
        try:
            importlib.import_module(f"platekit.models.{mod}")
        except ModuleNotFoundError as e:
            if e.name != f"platekit.models.{mod}":
                raise


def list_models(kind: str | None = None) -> list[str]:
    _ensure_imported()
    return sorted(n for n in _REGISTRY if kind is None or _KIND[n] == kind)


def model_kind(name: str) -> str:
    _ensure_imported()
    return _KIND[name]


def create_model(name: str, **kwargs: Any) -> nn.Module:
    _ensure_imported()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(sorted(_REGISTRY))}"
        raise ValueError(f"unknown model {name!r}{hint}")
    model = _REGISTRY[name](**kwargs)
    model.model_name = name  # type: ignore[attr-defined]
    model.model_args = dict(kwargs)  # type: ignore[attr-defined]
    return model


def save_checkpoint(path: str, model: nn.Module, **extra: Any) -> None:
    """Save name, args and weights (+ extra: config, region, metrics ...) so load rebuilds it."""
    torch.save(
        {
            "model_name": model.model_name,
            "model_args": model.model_args,
            "state_dict": model.state_dict(),
            **extra,
        },
        path,
    )


def trained_alphabet(meta: dict, state: dict) -> str | None:
    """The alphabet a CTC checkpoint was trained on: its payload's (top level or model_args), or, for one written
    before its region's alphabet grew (cn before session 14), the region's alphabet cut to its class count
    (``fc.weight`` rows - blank - OOV; alphabets only grow at their tail). None when neither tells."""
    from platekit.core.formats import get_region

    given = meta.get("alphabet") or (meta.get("model_args") or {}).get("alphabet")
    if given:
        return given
    fc = state.get("fc.weight")
    if meta.get("model_name") != "crnn_ctc" or fc is None or fc.ndim != 2:  # the guess holds for crnn_ctc only
        return None
    try:
        alphabet = get_region((meta.get("model_args") or {}).get("region", "cn")).alphabet
    except ValueError:  # an unknown region (get_region): the rows say nothing
        return None
    n = fc.shape[0] - 2
    return alphabet[:n] if 0 < n <= len(alphabet) else None


def _own_alphabet(ckpt: dict, args: dict) -> str | None:
    """The alphabet to rebuild a CTC checkpoint with when it is not its region's current one (else None)."""
    from platekit.core.formats import get_region

    own = trained_alphabet(ckpt, ckpt["state_dict"])
    return None if own is None or own == get_region(args.get("region", "cn")).alphabet else own


def load_checkpoint(path: str, map_location: str = "cpu") -> tuple[nn.Module, dict]:
    """Rebuild a model from a platekit checkpoint (or a Lightning .ckpt holding one under 'platekit')."""
    ckpt = torch.load(path, map_location=map_location, weights_only=False)
    if "platekit" in ckpt:  # Lightning checkpoint: our payload under a key, weights prefixed by 'model.'
        meta = ckpt["platekit"]
        state = {k[len("model.") :]: v for k, v in ckpt["state_dict"].items() if k.startswith("model.")}
        ckpt = {**meta, "state_dict": state}
    if "model_name" not in ckpt:
        raise ValueError(f"{path}: not a platekit checkpoint (no model_name)")
    args = dict(ckpt["model_args"])
    if ckpt["model_name"] == "crnn_ctc" and "alphabet" not in args:
        args["alphabet"] = _own_alphabet(ckpt, args)
    model = create_model(ckpt["model_name"], **args)
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, ckpt
