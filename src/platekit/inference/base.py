"""Swappable stages of the reader: any object with these methods can replace the ONNX ones.

A custom detector or OCR (e.g. a different ONNX model, a cloud API) only has to implement
``Detector.detect`` or ``Recognizer.read``; :class:`platekit.inference.reader.Reader` accepts
instances as well as names/paths.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from platekit.core.results import Detection, Reading


@runtime_checkable
class Detector(Protocol):
    def detect(self, image: np.ndarray) -> list[Detection]:
        """RGB uint8 [H, W, 3] -> plates (box + lt,rt,rb,lb corners in image pixels), best first.

        Optional: ``detect_retry(image) -> list[Detection]``, more looks the Reader takes when ``detect`` found
        nothing (``Reader(detect_retry=True)``; ``OnnxDetector``: other canvases, in turn)."""
        ...


@runtime_checkable
class Recognizer(Protocol):
    input_size: tuple[int, int]  # (H, W) of the crops it reads
    crop_margin: float  # margin the crops are rectified with (fraction of the plate size)
    region: str

    def read(self, crops: list[np.ndarray]) -> list[Reading]:
        """RGB uint8 crops [H, W, 3] (already rectified, any size) -> one Reading per crop."""
        ...
