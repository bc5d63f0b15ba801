"""Fixtures shared by the reading tests."""

from __future__ import annotations

import pytest
from _read_fixtures import make_detector, make_recognizer


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """(toy detector .onnx, tiny slot cn recognizer .onnx) as paths; test_inference.py has its own dict version."""
    d = tmp_path_factory.mktemp("models")
    return str(make_detector(d)), str(make_recognizer(d, "slots", "cn")[0])
