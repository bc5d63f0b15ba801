"""Recognition metrics (numpy, RapidFuzz): plate accuracy, CER, per-slot accuracy, coverage, confusions."""

from __future__ import annotations

from collections import Counter
from math import comb

import numpy as np
from rapidfuzz.distance import Levenshtein


def edit_ops(a: str, b: str) -> tuple[int, list[tuple[str, str]]]:
    """Levenshtein distance a -> b and the edits (a_char, b_char) of one optimal alignment (RapidFuzz);
    "∅" marks an inserted or deleted character."""
    subs = []
    for op in Levenshtein.editops(a, b):
        if op.tag == "replace":
            subs.append((a[op.src_pos], b[op.dest_pos]))
        elif op.tag == "delete":
            subs.append((a[op.src_pos], "∅"))
        else:
            subs.append(("∅", b[op.dest_pos]))
    return len(subs), subs


def plate_accuracy(preds: list[str], truth: list[str]) -> float:
    return float(np.mean([p == t for p, t in zip(preds, truth, strict=True)])) if truth else 0.0


def cer(preds: list[str], truth: list[str]) -> float:
    """Character error rate: total edit distance / total truth characters."""
    dist = sum(Levenshtein.distance(p, t) for p, t in zip(preds, truth, strict=True))
    return dist / max(1, sum(len(t) for t in truth))


def per_slot_accuracy(preds: list[str], truth: list[str], n_slots: int) -> list[float]:
    """Accuracy of each character position (a missing character counts as wrong)."""
    out = []
    for s in range(n_slots):
        rows = [(p[s] if s < len(p) else None) == t[s] for p, t in zip(preds, truth, strict=True) if s < len(t)]
        out.append(float(np.mean(rows)) if rows else float("nan"))
    return out


def coverage_curve(conf: np.ndarray, correct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted by confidence, keep the top k: -> (coverage k/N, accuracy of the kept), k = 1..N."""
    order = np.argsort(-np.asarray(conf), kind="stable")
    c = np.asarray(correct, np.float64)[order]
    k = np.arange(1, len(c) + 1)
    return k / len(c), np.cumsum(c) / k


def accuracy_at_coverage(conf: np.ndarray, correct: np.ndarray, coverage: float) -> float:
    """Accuracy of the ``coverage`` fraction of reads with the highest confidence."""
    cov, acc = coverage_curve(conf, correct)
    k = max(1, int(np.ceil(coverage * len(cov))))
    return float(acc[k - 1])


def accuracy_at_thresholds(conf: np.ndarray, correct: np.ndarray, thresholds=(0.5, 0.7, 0.9, 0.95, 0.99)) -> list[dict]:
    conf, correct = np.asarray(conf), np.asarray(correct, bool)
    out = []
    for t in thresholds:
        keep = conf >= t
        out.append({
            "threshold": t,
            "coverage": float(keep.mean()) if len(conf) else 0.0,
            "accuracy": float(correct[keep].mean()) if keep.any() else float("nan"),
        })
    return out


def top_confusions(preds: list[str], truth: list[str], k: int = 15) -> list[dict]:
    """Most frequent (truth char -> predicted char) substitutions/insertions/deletions."""
    cnt: Counter = Counter()
    for p, t in zip(preds, truth, strict=True):
        if p != t:
            for a, b in edit_ops(t, p)[1]:
                cnt[(a, b)] += 1
    return [{"truth": a, "pred": b, "count": c} for (a, b), c in cnt.most_common(k)]


def paired_exact_test(a: list[bool], b: list[bool]) -> dict:
    """Two readers on the same samples (right/wrong each) -> the exact McNemar test of "neither is better".

    ``only_a``: samples a reads right and b not; ``only_b``: the reverse; ``p``: the two-sided exact binomial
    probability of a split at least as uneven as min(only_a, only_b) of only_a + only_b at 1/2 (1.0 when no sample
    differs). The samples both get right or both get wrong carry no information about which is better."""
    if len(a) != len(b):
        raise ValueError(f"paired_exact_test: {len(a)} vs {len(b)} outcomes (the same samples are needed)")
    only_a = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    only_b = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    n, k = only_a + only_b, min(only_a, only_b)
    p = 1.0 if n == 0 else min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2**n)  # integers: no overflow
    return {"n": len(a), "only_a": only_a, "only_b": only_b, "p": p}
