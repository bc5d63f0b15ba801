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


class OnnxPlateColour(OnnxRegionClassifier):
    """A Chinese plate's background colour: the same tiny network over the plate colours (blue, green, yellow, white,
    black; sidecar kind ``plate_colour``). ``colours`` reports a colour when the classifier's probability is at least
    the sidecar's ``bar`` and the crop has colour at all: a grey crop (an IR camera, a binarised crop: the median
    pixel's max - min channel below the sidecar's ``min_chroma``) gets None, since blue and black plates look alike
    there."""

    def __init__(self, path: str | os.PathLike, threads: int = 1):
        super().__init__(path, threads, kind="plate_colour")
        self.bar = float(self.meta.get("bar", 0.9))
        self.min_chroma = float(self.meta.get("min_chroma", 4.0))

    def colours(self, crops: list[np.ndarray], bar: float | None = None) -> list[str | None]:
        """RGB uint8 crops -> the colour of each, or None (not sure, or no colour in the crop)."""
        if not crops:
            return []
        bar = self.bar if bar is None else float(bar)
        out = []
        for c, row in zip(crops, self.probs(crops), strict=True):
            out.append(self.classes[int(row.argmax())] if row.max() >= bar and chroma(c) >= self.min_chroma else None)
        return out


def chroma(crop: np.ndarray) -> float:
    """The median over pixels of max - min channel (0 for a grey crop), on a quarter of the pixels."""
    c = crop[::2, ::2]
    r, g, b = c[..., 0], c[..., 1], c[..., 2]  # per-channel max / min: 4x faster than .max(-1) on small crops
    return float(np.median(np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)))


def plate_colour_classifier(path: str | os.PathLike, threads: int = 1) -> OnnxPlateColour:
    """The shipped kind of plate-colour classifier from an .onnx file with its sidecar."""
    return OnnxPlateColour(path, threads)


__all__ = ["OnnxRegionClassifier", "OnnxPlateColour", "plate_colour_classifier", "chroma"]
