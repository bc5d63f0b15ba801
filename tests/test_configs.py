"""Every shipped config resolves its data relative to the repository: no machine-specific path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))


def _strings(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_names_no_machine_path(path):
    text = path.read_text(encoding="utf-8")
    assert "/work/" not in text, f"{path.name} names a machine path (comments included)"
    absolute = [s for s in _strings(yaml.safe_load(text)) if "/" in s and os.path.isabs(s)]
    assert not absolute, f"{path.name}: absolute paths {absolute}; use ../shared/data/... relative to the repo"


def test_there_are_configs():
    assert len(CONFIGS) >= 10
