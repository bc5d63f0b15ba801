"""Format-constrained CTC decoding (numpy only, shared by training, evaluation and inference).

For each pattern of the region's formats (a tuple of per-position charsets, so the allowed lengths
come with it), a Viterbi pass finds the most probable CTC *path* whose collapsed text fits the
pattern; the best pattern wins. Character probability = the max frame probability of that character.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from platekit.core.formats import Region

NEG = -1e30


def _viterbi(logp: np.ndarray, allowed: np.ndarray) -> tuple[float, list[int], list[list[int]]]:
    """logp [T, C] (id 0 = blank); allowed [L, C] bool -> (score, class ids, frames of each char)."""
    t_len, c_len = logp.shape
    n = allowed.shape[0]
    amask = np.where(allowed, 0.0, NEG)
    b = np.full(n + 1, NEG)  # b[k]: in a blank after k characters
    s = np.full((n, c_len), NEG)  # s[j, c]: on character j (0-based) = class c
    b[0] = logp[0, 0]
    s[0] = logp[0] + amask[0]
    ptr_b = np.zeros((t_len, n + 1), np.int64)  # -1 stay, c >= 0: came from s[k-1, c]
    ptr_s = np.zeros((t_len, n, c_len), np.int64)  # -1 stay, -2 from b[j], c' >= 0 from s[j-1, c']
    cols = np.arange(c_len)
    for t in range(1, t_len):
        lp = logp[t]
        c1 = s.argmax(1)  # [n]
        v1 = s[np.arange(n), c1]
        s2 = s.copy()
        s2[np.arange(n), c1] = NEG
        c2 = s2.argmax(1)
        v2 = s2[np.arange(n), c2]
        # blanks
        nb = np.empty_like(b)
        nb[0] = b[0]
        ptr_b[t, 0] = -1
        from_s = v1 > b[1:]
        nb[1:] = np.where(from_s, v1, b[1:])
        ptr_b[t, 1:] = np.where(from_s, c1, -1)
        nb += lp[0]
        # characters
        stay = s
        from_b = np.broadcast_to(b[:n, None], (n, c_len))
        prev_v = np.full((n, c_len), NEG)
        prev_c = np.full((n, c_len), -3, np.int64)
        if n > 1:
            same = cols[None, :] == c1[:-1, None]  # [n-1, C]
            prev_v[1:] = np.where(same, v2[:-1, None], v1[:-1, None])
            prev_c[1:] = np.where(same, c2[:-1, None], c1[:-1, None])
        best = stay
        code = np.full((n, c_len), -1, np.int64)
        m = from_b > best
        best = np.where(m, from_b, best)
        code = np.where(m, -2, code)
        m = prev_v > best
        best = np.where(m, prev_v, best)
        code = np.where(m, prev_c, code)
        s = best + lp[None, :] + amask
        b = nb
        ptr_s[t] = code
    # end: after all n characters, in a blank or on the last character
    last_c = int(s[n - 1].argmax())
    if b[n] >= s[n - 1, last_c]:
        score, state = float(b[n]), ("b", n, -1)
    else:
        score, state = float(s[n - 1, last_c]), ("s", n - 1, last_c)
    if score <= NEG / 2:
        return score, [], []
    ids: list[int] = [-1] * n
    frames: list[list[int]] = [[] for _ in range(n)]
    for t in range(t_len - 1, -1, -1):
        kind, j, c = state
        if kind == "s":
            ids[j] = c
            frames[j].append(t)
            if t == 0:
                break
            p = ptr_s[t, j, c]
            state = ("s", j, c) if p == -1 else ("b", j, -1) if p == -2 else ("s", j - 1, int(p))
        else:
            if t == 0:
                break
            p = ptr_b[t, j]
            state = ("b", j, -1) if p == -1 else ("s", j - 1, int(p))
    return score, ids, frames


def _collapse(ids: np.ndarray, probs: np.ndarray, alphabet: str) -> tuple[str | None, np.ndarray]:
    """Greedy path -> (text or None if it has OOV, per-char max frame probability)."""
    ids = np.asarray(ids, np.int64)
    if ids.size == 0:
        return "", np.zeros(0, np.float32)
    p = probs[np.arange(len(ids)), ids]  # [T] probability of each frame's class
    runs = np.r_[0, np.flatnonzero(ids[1:] != ids[:-1]) + 1]  # first frame of each run of one class
    run_max = np.maximum.reduceat(p, runs)  # a character's probability: the max over its run
    keep = ids[runs] != 0  # blank runs separate characters and are dropped
    cls, ps = ids[runs][keep], run_max[keep]
    if (cls > len(alphabet)).any():
        return None, np.zeros(0, np.float32)
    return "".join(alphabet[c - 1] for c in cls), ps.astype(np.float32)


@lru_cache(maxsize=32)
def _patterns(region: Region, c_len: int) -> tuple[tuple[str, np.ndarray], ...]:
    """(format name, allowed [L, C] bool) per distinct pattern of the region's formats (built once)."""
    index = {c: i + 1 for i, c in enumerate(region.alphabet)}
    pats, seen = [], set()
    for f in region.formats:
        for p in f.patterns:
            if p in seen:
                continue
            seen.add(p)
            a = np.zeros((len(p), c_len), dtype=bool)
            for j, chars in enumerate(p):
                a[j, [index[c] for c in chars if c in index]] = True
            pats.append((f.name, a))
    return tuple(pats)


def ctc_decode_constrained(
    probs: np.ndarray, region: Region
) -> tuple[list[str], list[np.ndarray], list[str | None]]:
    """probs [N, T, C] (blank 0, alphabet 1.., OOV last) -> best format-valid texts, char probs, format."""
    pats = _patterns(region, probs.shape[-1])
    texts, cps, fmts = [], [], []
    greedy = probs.argmax(-1)  # [N, T]
    for i in range(probs.shape[0]):
        # exact shortcut: the best path overall, when its text is valid, is the best valid path
        g_text, g_probs = _collapse(greedy[i], probs[i], region.alphabet)
        if g_text is not None:
            f = region.guess_format(g_text)
            if f is not None and f.validate(g_text):
                texts.append(g_text)
                cps.append(g_probs)
                fmts.append(f.name)
                continue
        logp = np.log(np.clip(probs[i], 1e-12, 1.0))
        best = None
        for name, a in pats:
            if a.shape[0] > probs.shape[1]:
                continue
            score, ids, frames = _viterbi(logp, a)
            if ids and (best is None or score > best[0]):
                best = (score, ids, frames, name)
        if best is None:
            texts.append("")
            cps.append(np.zeros(0, np.float32))
            fmts.append(None)
            continue
        _, ids, frames, name = best
        texts.append("".join(region.alphabet[c - 1] for c in ids))
        cps.append(np.array([probs[i, fr, c].max() for c, fr in zip(ids, frames, strict=True)], np.float32))
        fmts.append(name)
    return texts, cps, fmts


@lru_cache(maxsize=32)
def _fixed_patterns(region: Region, c_len: int) -> dict[int, tuple[list[str], np.ndarray]]:
    """length -> (format names, allowed [K, L, C] bool) of the patterns that restrict some position
    (an open fallback such as latin-generic, every position any character, is left out)."""
    full = set(region.alphabet)
    by_len: dict[int, tuple[list[str], list[np.ndarray]]] = {}
    for name, a in _patterns(region, c_len):
        if all(full <= {region.alphabet[c - 1] for c in np.flatnonzero(row) if 0 < c <= len(region.alphabet)}
               for row in a):
            continue
        names, arrs = by_len.setdefault(a.shape[0], ([], []))
        names.append(name)
        arrs.append(a)
    return {n: (names, np.stack(arrs)) for n, (names, arrs) in by_len.items()}


def ctc_decode_prior(
    probs: np.ndarray, region: Region, margin: float
) -> tuple[list[str], list[np.ndarray], list[str | None]]:
    """Greedy CTC with a plate-format prior: probs [N, T, C] -> texts, char probs, format (None: no fixed one).

    A greedy text that fits one of the region's fixed formats (or has an out-of-alphabet character) is
    kept. Otherwise, at the frame where each greedy character peaks, the best same-length text that a
    fixed format allows is found (per position, the most probable allowed class); it replaces the
    greedy text when it costs at most ``margin`` nats of log-probability (summed over positions), the
    usual look-alike swaps (I/1, O/0, B/8) on a plate of a known layout. The margin is read as the prior
    log-odds of a fixed format: each character probability of a swapped reading is p(c) / (p(allowed) +
    e^-margin p(not allowed)) at its frame (margin 0: the raw probability; a large margin: renormalised over
    the classes the position allows). A text that fits no fixed format within the margin stays the greedy
    reading (the open fallback).
    """
    fixed = _fixed_patterns(region, probs.shape[-1])
    greedy = probs.argmax(-1)  # [N, T]
    texts, cps, fmts = [], [], []
    for i in range(probs.shape[0]):
        g_text, g_probs = _collapse(greedy[i], probs[i], region.alphabet)
        f = region.guess_format(g_text) if g_text else None
        length = len(g_text) if g_text is not None else 0
        if g_text is None or length not in fixed or (f is not None and f.name in fixed[length][0]):
            texts.append(g_text or "")
            cps.append(g_probs)
            fmts.append(f.name if f is not None else None)
            continue
        ids = greedy[i]
        p = probs[i, np.arange(len(ids)), ids]
        peaks = []  # the frame where each character's run peaks
        start = 0
        for t in range(1, len(ids) + 1):
            if t == len(ids) or ids[t] != ids[start]:
                if ids[start] != 0:
                    peaks.append(start + int(p[start:t].argmax()))
                start = t
        pk = probs[i, peaks]  # [L, C]
        logp = np.log(np.clip(pk, 1e-12, 1.0))
        names, allowed = fixed[length]  # [K, L, C]
        masked = np.where(allowed, logp[None], NEG)
        best_ids = masked.argmax(-1)  # [K, L]
        scores = np.take_along_axis(masked, best_ids[..., None], -1)[..., 0].sum(-1)  # [K]
        k = int(scores.argmax())
        g_score = float(logp[np.arange(length), ids[peaks]].sum())
        if g_score - float(scores[k]) > margin:
            texts.append(g_text)
            cps.append(g_probs)
            fmts.append(f.name if f is not None else None)
            continue
        sel = best_ids[k]
        inside = (pk * allowed[k]).sum(-1)  # [L] probability of the classes each position allows
        norm = inside + np.exp(-margin) * (pk.sum(-1) - inside)  # the margin as the prior odds of the format
        texts.append("".join(region.alphabet[c - 1] for c in sel))
        cps.append((pk[np.arange(length), sel] / np.maximum(norm, 1e-12)).astype(np.float32))
        fmts.append(names[k])
    return texts, cps, fmts
