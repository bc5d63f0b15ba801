"""Deterministic train/validation split **by plate text** (the same car appears in several images).

A text goes to validation when a stable hash of it falls below ``val_fraction``: the split does not
depend on file order, on the other files present, or on the Python hash seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def text_bucket(text: str, salt: str = "platekit") -> float:
    """A stable number in [0, 1) for a plate text."""
    h = hashlib.md5(f"{salt}:{text}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def split_by_text(
    items: Iterable[T], val_fraction: float = 0.2, key: Callable[[T], str] = lambda s: s.text, salt: str = "platekit"
) -> tuple[list[T], list[T]]:
    """-> (train, val); every item with the same text lands on the same side."""
    if not 0 <= val_fraction <= 1:
        raise ValueError("val_fraction must be in [0, 1]")
    train, val = [], []
    for it in items:
        (val if text_bucket(key(it), salt) < val_fraction else train).append(it)
    return train, val
