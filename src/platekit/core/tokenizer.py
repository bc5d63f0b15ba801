"""Tokenizers shared by every recognizer: ``encode`` texts to ids, ``decode(probs) -> (texts, probs)``.

* :class:`SlotTokenizer` -- fixed slots (one classifier head per character position), a pad
  character fills the slots after a shorter plate.
* :class:`CTCTokenizer` -- variable length for CTC: id 0 is the blank, the last id is OOV.

Both are numpy-only so the onnxruntime inference path uses the very same code as training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from platekit.core.formats import Region


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


@dataclass(frozen=True)
class SlotTokenizer:
    alphabet: str
    n_slots: int
    pad: str = "_"

    def __post_init__(self):
        if self.pad in self.alphabet:
            raise ValueError(f"pad character {self.pad!r} must not be in the alphabet")
        if len(set(self.alphabet)) != len(self.alphabet):
            raise ValueError("alphabet has duplicate characters")

    @classmethod
    def for_region(cls, region: Region) -> SlotTokenizer:
        return cls(region.alphabet, region.n_slots, region.pad)

    @property
    def vocab(self) -> str:
        return self.alphabet + self.pad

    @property
    def num_classes(self) -> int:
        return len(self.vocab)

    @property
    def pad_id(self) -> int:
        return len(self.alphabet)

    def encode(self, texts: list[str]) -> np.ndarray:
        """texts -> int64 ids [N, n_slots]; raises ValueError on unknown characters or overflow."""
        index = {c: i for i, c in enumerate(self.vocab)}
        out = np.full((len(texts), self.n_slots), self.pad_id, dtype=np.int64)
        for n, t in enumerate(texts):
            if len(t) > self.n_slots:
                raise ValueError(f"text {t!r} longer than {self.n_slots} slots")
            for i, c in enumerate(t):
                if c not in index or c == self.pad:
                    raise ValueError(f"character {c!r} of {t!r} not in the alphabet")
                out[n, i] = index[c]
        return out

    def decode(self, probs: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
        """probs [N, n_slots, C] -> texts and per-character probabilities (pad slots dropped)."""
        ids = probs.argmax(-1)
        p = np.take_along_axis(probs, ids[..., None], -1)[..., 0]
        texts, char_probs = [], []
        for row_ids, row_p in zip(ids, p, strict=True):
            keep = row_ids != self.pad_id
            texts.append("".join(self.vocab[i] for i in row_ids[keep]))
            char_probs.append(row_p[keep].astype(np.float32))
        return texts, char_probs

    def decode_constrained(
        self, probs: np.ndarray, region: Region
    ) -> tuple[list[str], list[np.ndarray], list[str | None]]:
        """Most probable text that one of the region's formats allows (exact for independent slots).

        Returns texts, per-character probabilities and the chosen format name.
        """
        index = {c: i for i, c in enumerate(self.vocab)}
        patterns = region.slot_patterns()
        masks = []  # one [n_slots, C] boolean mask per pattern
        for _, pat in patterns:
            m = np.zeros((self.n_slots, self.num_classes), dtype=bool)
            for s, allowed in enumerate(pat[: self.n_slots]):
                for c in allowed:
                    if c in index:
                        m[s, index[c]] = True
            masks.append(m)
        texts, char_probs, fmts = [], [], []
        logp = np.log(np.clip(probs, 1e-12, 1.0))
        for n in range(probs.shape[0]):
            best = None
            for (fmt, _), m in zip(patterns, masks, strict=True):
                lp = np.where(m, logp[n], -np.inf)
                ids = lp.argmax(-1)
                score = lp[np.arange(self.n_slots), ids].sum()
                if best is None or score > best[0]:
                    best = (score, ids, fmt)
            _, ids, fmt = best
            keep = ids != self.pad_id
            texts.append("".join(self.vocab[i] for i in ids[keep]))
            char_probs.append(probs[n, np.arange(self.n_slots), ids][keep].astype(np.float32))
            fmts.append(fmt.name)
        return texts, char_probs, fmts


@dataclass(frozen=True)
class CTCTokenizer:
    """id 0 = blank, ids 1..len(alphabet) = characters, last id = OOV (out of vocabulary)."""

    alphabet: str
    max_len: int = 9

    @classmethod
    def for_region(cls, region: Region) -> CTCTokenizer:
        return cls(region.alphabet, region.n_slots)

    @property
    def blank_id(self) -> int:
        return 0

    @property
    def oov_id(self) -> int:
        return len(self.alphabet) + 1

    @property
    def num_classes(self) -> int:
        return len(self.alphabet) + 2

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """texts -> (targets [N, max_len] padded with blank, lengths [N]); unknown chars -> OOV."""
        index = {c: i + 1 for i, c in enumerate(self.alphabet)}
        out = np.zeros((len(texts), self.max_len), dtype=np.int64)
        lengths = np.zeros(len(texts), dtype=np.int64)
        for n, t in enumerate(texts):
            if len(t) > self.max_len:
                raise ValueError(f"text {t!r} longer than {self.max_len}")
            for i, c in enumerate(t):
                out[n, i] = index.get(c, self.oov_id)
            lengths[n] = len(t)
        return out, lengths

    def decode(self, probs: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
        """probs [N, T, C] -> greedy CTC texts and, per character, the max prob over its frames."""
        ids = probs.argmax(-1)
        texts, char_probs = [], []
        for n in range(probs.shape[0]):
            chars, ps, prev = [], [], -1
            for t, i in enumerate(ids[n]):
                p = float(probs[n, t, i])
                if i != prev and i != self.blank_id:
                    chars.append("?" if i == self.oov_id else self.alphabet[i - 1])
                    ps.append(p)
                elif i == prev and i != self.blank_id and ps:
                    ps[-1] = max(ps[-1], p)
                prev = i
            texts.append("".join(chars))
            char_probs.append(np.asarray(ps, dtype=np.float32))
        return texts, char_probs
