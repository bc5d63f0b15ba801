"""ONNX plate recognizer: rectified crops -> texts with per-character confidences (no torch)."""

from __future__ import annotations

import os

import cv2
import numpy as np

from platekit.core.ctc_decode import ctc_decode_constrained, ctc_decode_prior
from platekit.core.formats import REGIONS, Region
from platekit.core.results import Reading
from platekit.core.tokenizer import CTCTokenizer, SlotTokenizer
from platekit.errors import PlatekitError
from platekit.inference.session import load_sidecar, make_session


class OnnxRecognizer:
    """Reads plate crops with an exported recognizer (.onnx + .json sidecar).

    The graph takes uint8 NHWC crops of the sidecar's input size and returns softmax ``probs``
    ([N, n_slots, C] for slot models, [N, T, C] for CTC models); decoding is numpy. Slot models
    return the most probable text the region's formats allow. CTC models decode greedily by default,
    so a plate outside the region's formats (another country) is reported as read, with
    ``format=None``, instead of being forced into a format; ``ctc_constrained=True`` returns the best
    format-valid path (a Viterbi pass per pattern), as ``platekit eval recognizer`` scores crops.
    ``text_prior`` (None: the sidecar's ``text_prior``, else the region's ``Region.text_prior``; 0 or
    a negative value: off): greedy CTC readings are decoded with a plate-text prior of this weight
    (:func:`platekit.core.ctc_decode.ctc_decode_prior`: the look-alike swaps, I/1, O/0, B/8, that make a
    reading fit a known layout, when the picture leaves them open; lengths are the greedy ones).
    """

    def __init__(self, path: str | os.PathLike, threads: int = 1, max_batch: int = 32,
                 ctc_constrained: bool = False, optimize: bool = True, text_prior: float | None = None):
        self.path = str(path)
        self.meta = load_sidecar(path, "recognizer")
        inp = self.meta["input"]
        self.input_size: tuple[int, int] = (int(inp["height"]), int(inp["width"]))
        self.crop_margin = float(self.meta.get("crop_margin", 0.0))
        self.region: str = self.meta.get("region", "cn")
        self.decoder: str = self.meta.get("decoder", "slots")
        self.max_batch = max_batch
        self.ctc_constrained = ctc_constrained
        alphabet = self.meta["alphabet"]
        region = REGIONS.get(self.region)
        # decode with the reader's own alphabet: an older cn reader knows the first 65 classes only
        self._region: Region | None = region.for_alphabet(alphabet) if region is not None else None
        prior = self.meta.get("text_prior", self._region.text_prior if self._region else None) \
            if text_prior is None else text_prior
        self.text_prior: float | None = None if prior is None or float(prior) <= 0 else float(prior)
        if self.decoder == "slots":
            self.tokenizer = SlotTokenizer(alphabet, int(self.meta["n_slots"]), self.meta.get("pad", "_"))
        elif self.decoder == "ctc":
            self.tokenizer = CTCTokenizer(alphabet, int(self.meta.get("n_slots", 9)))
        else:
            raise PlatekitError(f"{path}: unknown decoder {self.decoder!r} in sidecar")
        self.session = make_session(path, threads, optimize)
        self._in = self.session.get_inputs()[0].name
        self.name = self.meta.get("model", os.path.basename(self.path))

    def prepare(self, crops: list[np.ndarray]) -> np.ndarray:
        """Resize crops to the model size -> uint8 [N, H, W, 3]."""
        h, w = self.input_size
        out = np.empty((len(crops), h, w, 3), dtype=np.uint8)
        for i, c in enumerate(crops):
            out[i] = c if c.shape[:2] == (h, w) else cv2.resize(c, (w, h), interpolation=cv2.INTER_LINEAR)
        return out

    def probs(self, batch: np.ndarray) -> np.ndarray:
        """uint8 [N, H, W, 3] -> probs [N, S, C] (run in chunks of max_batch)."""
        outs = [
            self.session.run(None, {self._in: batch[i : i + self.max_batch]})[0]
            for i in range(0, len(batch), self.max_batch)
        ]
        return np.concatenate(outs).astype(np.float32)

    def decode(self, probs: np.ndarray) -> list[Reading]:
        if self._region is not None and isinstance(self.tokenizer, SlotTokenizer):
            texts, char_probs, _ = self.tokenizer.decode_constrained(probs, self._region)
        elif self.ctc_constrained and self._region is not None:
            texts, char_probs, _ = ctc_decode_constrained(probs, self._region)
        elif self.text_prior is not None and self._region is not None:
            texts, char_probs, _ = ctc_decode_prior(probs, self._region, self.text_prior)
        else:
            texts, char_probs = self.tokenizer.decode(probs)
        out = []
        for t, cp in zip(texts, char_probs, strict=True):
            fmt = self._region.guess_format(t) if self._region is not None else None
            conf = float(np.prod(cp)) if len(cp) else 0.0
            out.append(Reading(t, conf, tuple(float(v) for v in cp), self.region if fmt is not None else None))
        return out

    def read(self, crops: list[np.ndarray]) -> list[Reading]:
        if not crops:
            return []
        return self.decode(self.probs(self.prepare(crops)))
