"""Stream synthetic plates into a torch DataLoader without writing files.

Sample ``i`` is ``PlateSynth(...).sample_at(i)`` (a pure function of ``(seed, i)``), so a finite
dataset yields exactly the crops ``platekit synth`` writes with the same arguments, and the
DataLoader workers split the indices between them (worker k takes i = k, k + n_workers, ...).
An endless dataset (``n=None``) starts each pass at a new block of ``epoch_size`` indices (call
``set_epoch(e)`` each epoch when the DataLoader workers are not persistent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from platekit.synth.generator import PlateSynth


class SynthPlateDataset(IterableDataset):
    """Yields ``(image, text)``: image RGB uint8 [H, W, 3] numpy (or a uint8 tensor with ``as_tensor``)."""

    def __init__(self, formats: Sequence[str] | str = ("cn-blue",), n: int | None = None,
                 size: tuple[int, int] = (144, 48), difficulty: float = 0.5, seed: int = 0,
                 weights: Sequence[float] | None = None, crop_margin: float = 0.06, as_tensor: bool = False,
                 transform: Callable[[np.ndarray], np.ndarray] | None = None, with_format: bool = False,
                 epoch_size: int = 100_000):
        super().__init__()
        self.synth = PlateSynth(formats, size, difficulty, seed, weights, crop_margin)
        self.n = n
        self.as_tensor = as_tensor
        self.transform = transform
        self.with_format = with_format
        self.epoch_size = epoch_size  # only for endless streams: index block per epoch
        self.epoch = 0
        self._passes = 0  # __iter__ calls on this copy (advances with persistent workers)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        if self.n is None:
            raise TypeError("an endless SynthPlateDataset has no length; pass n=...")
        return self.n

    def __iter__(self) -> Iterator:
        info = get_worker_info()
        wid, nw = (info.id, info.num_workers) if info is not None else (0, 1)
        if info is not None:
            import cv2

            cv2.setNumThreads(1)
        if self.n is not None:
            indices = range(wid, self.n, nw)
        else:  # endless: this epoch's block, then the next, ...
            start = (self.epoch + self._passes) * self.epoch_size
            self._passes += 1

            def _endless():
                i = start + wid
                while True:
                    yield i
                    i += nw
            indices = _endless()
        for i in indices:
            img, text, fmt = self.synth.sample_at(i)
            if self.transform is not None:
                img = self.transform(img)
            if self.as_tensor:
                img = torch.from_numpy(np.ascontiguousarray(img))
            yield (img, text, fmt) if self.with_format else (img, text)
