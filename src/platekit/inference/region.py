"""ONNX region classifier: which shipped reader a plate crop belongs to (no torch).

``--region auto`` asks it once per plate and reads the plate with that region's reader only; a plate
it is not sure about is read by every reader and kept only when a reading fits its region's formats
(``Reader``). The sidecar holds the class names (regions) and the input size.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from platekit.inference.session import load_sidecar, make_session


class OnnxRegionClassifier:
    """uint8 RGB crops -> probabilities [N, C] over ``classes`` (regions such as cn, ru, latin)."""

    def __init__(self, path: str | os.PathLike, threads: int = 1, kind: str = "region_classifier"):
        self.path = str(path)
        self.meta = load_sidecar(path, kind)
        inp = self.meta["input"]
        self.input_size: tuple[int, int] = (int(inp["height"]), int(inp["width"]))
        self.crop_margin = float(self.meta.get("crop_margin", 0.05))
        self.classes: tuple[str, ...] = tuple(self.meta["classes"])
        # the plate-colour classifier (kind plate_colour): the probability at or above which a colour is reported
        self.bar = float(self.meta.get("bar", 0.9))
        self.session = make_session(path, threads)
        self._in = self.session.get_inputs()[0].name

    def probs(self, crops: list[np.ndarray]) -> np.ndarray:
        """RGB uint8 crops (any size) -> float32 [N, C]."""
        if not crops:
            return np.zeros((0, len(self.classes)), np.float32)
        h, w = self.input_size
        x = np.stack([c if c.shape[:2] == (h, w) else cv2.resize(c, (w, h), interpolation=cv2.INTER_AREA)
                      for c in crops])
        return self.session.run(None, {self._in: x})[0].astype(np.float32)


def plate_colour_classifier(path: str | os.PathLike, threads: int = 1) -> OnnxRegionClassifier:
    """The plate-colour classifier (the same tiny network over the plate colours blue, green, yellow, white and
    black; sidecar kind ``plate_colour``, its ``bar`` the probability a colour is reported at)."""
    return OnnxRegionClassifier(path, threads, kind="plate_colour")


__all__ = ["OnnxRegionClassifier", "plate_colour_classifier"]
