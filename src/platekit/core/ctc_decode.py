"""Format-aware CTC decoding (numpy only, shared by training, evaluation and inference).

``ctc_decode_constrained``: for each pattern of the region's formats (a tuple of per-position charsets, so the
allowed lengths come with it), a Viterbi pass finds the most probable CTC *path* whose collapsed text fits the
pattern; the best pattern wins. Character probability = the max frame probability of that character.

``ctc_decode_prior``: the greedy reading under a plate-text prior (a mixture over the region's formats and an
open fallback): the look-alike swaps that make a reading fit a known layout, when the picture leaves them open.
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
    runs = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))  # first frame of each run of one class
    run_max = np.maximum.reduceat(p, runs)  # a character's probability: the max over its run
    keep = ids[runs] != 0  # blank runs separate characters and are dropped
    cls, ps = ids[runs][keep], run_max[keep]
    if (cls > len(alphabet)).any():
        return None, np.zeros(0, np.float32)
    return "".join(alphabet[c - 1] for c in cls), ps.astype(np.float32)


def _mask(pattern: tuple[str, ...], index: dict[str, int], c_len: int) -> np.ndarray:
    """allowed [L, C] bool of one pattern (class ids from ``index``; characters outside it are left out)."""
    a = np.zeros((len(pattern), c_len), dtype=bool)
    for j, chars in enumerate(pattern):
        a[j, [index[c] for c in chars if c in index]] = True
    return a


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
            pats.append((f.name, _mask(p, index, c_len)))
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
def _prior_tables(region: Region, c_len: int) -> dict[int, tuple[np.ndarray, np.ndarray, float, float]]:
    """length -> (allowed [K, L, C] bool, log weight of one string under each pattern [K], the open fallback's
    log weight, an upper bound of any text's log prior) over every pattern of every format of the region.

    A string's weight under a pattern: log s_f/S + log 1/(the format's pattern count) - sum_j log |allowed_j|
    (format f's share s_f, ``Region.prior_shares``, 1 unless listed; S the shares' sum plus 1 for the open
    fallback; a format's patterns equally likely; each pattern uniform over its strings); the open fallback:
    log 1/S - L log |alphabet|. With every share 1 this is F formats and the fallback, each equally likely."""
    shares = dict(region.prior_shares)
    log_total = float(np.log(sum(shares.get(f.name, 1.0) for f in region.formats) + 1.0))  # + the open fallback
    index = {c: i + 1 for i, c in enumerate(region.alphabet)}
    by_len: dict[int, tuple[list[np.ndarray], list[float]]] = {}
    for f in region.formats:
        pats = list(dict.fromkeys(f.patterns))
        for p in pats:
            a = _mask(p, index, c_len)
            sizes = a.sum(1)
            if (sizes == 0).any():  # a character outside the reader's alphabet (cn types such as 学)
                continue
            arrs, lws = by_len.setdefault(len(p), ([], []))
            arrs.append(a)
            lws.append(float(np.log(shares.get(f.name, 1.0)) - log_total - np.log(len(pats)) - np.log(sizes).sum()))
    out = {}
    for n, (arrs, lws) in by_len.items():
        open_lw = float(-log_total - n * np.log(len(region.alphabet)))
        out[n] = (np.stack(arrs), np.array(lws), open_lw, float(np.logaddexp.reduce(lws + [open_lw])))
    return out


def _peaks(ids: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The frame where each character's run of the greedy path ``ids`` [T] peaks in ``p`` [T] (blank runs skipped)."""
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    lengths = np.diff(starts, append=len(ids))
    run = np.repeat(np.arange(len(starts)), lengths)  # [T] the run of each frame
    at_max = np.flatnonzero(p == np.repeat(np.maximum.reduceat(p, starts), lengths))
    r = run[at_max]
    first = at_max[np.concatenate(([True], r[1:] != r[:-1]))]  # [runs] first frame at each run's max
    return first[ids[starts] != 0]


def _log_priors(fit: np.ndarray, lw: np.ndarray, open_lw: float) -> np.ndarray:
    """fit [K, M] (pattern k allows candidate m) -> [M] log prior of each candidate (patterns + open fallback)."""
    w = np.where(fit, lw[:, None], -np.inf)
    return np.logaddexp(np.logaddexp.reduce(w, axis=0), open_lw)


def _posterior_marginals(pk: np.ndarray, allowed: np.ndarray, lw: np.ndarray, open_lw: float, weight: float,
                         n_alpha: int) -> np.ndarray:
    """pk [L, C] (each character's class probabilities at its peak frame), the length's patterns -> [L, C] the
    probability of each class at each position under picture x prior, summed over the mixture (weight 1: the
    exact posterior; another weight raises each part's weight to it, not the summed prior).

    Positions are independent given a pattern and each pattern is uniform over its strings, so a pattern's share
    is weight x (its log weight) + sum_j log pk_j(allowed_kj), and within it a position's class c has
    pk(c) / pk(allowed) when allowed; the open fallback allows every alphabet class everywhere."""
    q = np.einsum("lc,klc->kl", pk, allowed)  # [K, L] each pattern's mass at each position
    open_ok = np.zeros(pk.shape[-1], bool)
    open_ok[1 : n_alpha + 1] = True
    q_open = pk[:, open_ok].sum(-1)  # [L]
    with np.errstate(divide="ignore"):
        terms = np.append(weight * lw + np.log(q).sum(-1), weight * open_lw + np.log(q_open).sum())  # [K + 1]
    if not np.isfinite(terms).any():
        return np.zeros_like(pk)
    share = np.exp(terms - terms.max())
    share /= share.sum()  # [K + 1] each pattern's posterior share
    within = np.where(allowed, pk[None] / np.maximum(q[..., None], 1e-30), 0.0)  # [K, L, C]
    out = np.einsum("k,klc->lc", share[:-1], within)
    return out + share[-1] * np.where(open_ok, pk / np.maximum(q_open[:, None], 1e-30), 0.0)


def ctc_decode_prior(
    probs: np.ndarray, region: Region, weight: float = 1.0
) -> tuple[list[str], list[np.ndarray], list[str | None]]:
    """Greedy CTC read with a plate-text prior: probs [N, T, C] -> texts, char probs, format (None: none fits).

    The prior is a mixture over the region's formats and an open fallback (any string of the alphabet), each
    weighted by its share (``Region.prior_shares``; 1 unless listed), a format's patterns equally likely, each pattern uniform over its strings: a text that
    fits a tight layout (a Chinese blue plate: province, letter, five alphanumerics) is far more probable
    than one that fits none, and one that fits a tight layout more than one that only fits a loose one. At
    the frame where each greedy character peaks, the candidates are the greedy text and, per pattern of the
    same length, its most probable string; the one with the highest log p(frames) + ``weight`` x log prior
    wins: the look-alike swaps (1/A, 0/D, 8/B) that make a reading fit a known layout, when the picture
    leaves them open. Lengths stay the greedy ones. A swapped character's probability is its posterior under
    the same model (``_posterior_marginals``: picture x prior, summed over the mixture's patterns; exact at
    weight 1, each part tempered on its own at another weight), so a swap into a slot that only a loose layout
    or the open fallback leaves open keeps about the picture's confidence, and one that a tight layout all but
    forces is sure (the prior picks the layout, the picture still picks the character within it). A greedy path
    with an out-of-alphabet class is returned as the tokenizer reads it ("?" for that character), without the prior.
    """
    tables = _prior_tables(region, probs.shape[-1])
    greedy = probs.argmax(-1)  # [N, T]
    texts, cps, fmts = [], [], []
    for i in range(probs.shape[0]):
        ids = greedy[i]
        p = probs[i, np.arange(len(ids)), ids]  # [T] probability of each frame's class
        peaks = _peaks(ids, p) if len(ids) else np.zeros(0, np.int64)  # one frame per greedy character
        g_ids, g_probs = ids[peaks], p[peaks].astype(np.float32)  # a character's probability: its run's max
        if (g_ids > len(region.alphabet)).any():  # an out-of-alphabet class: read as the tokenizer does, no prior
            texts.append("".join(region.alphabet[c - 1] if c <= len(region.alphabet) else "?" for c in g_ids))
            cps.append(g_probs)
            fmts.append(None)
            continue
        g_text = "".join(region.alphabet[c - 1] for c in g_ids)
        length = len(g_text)
        sel = None
        if g_text and length in tables and weight > 0:
            pk = probs[i, peaks]  # [L, C]
            logp = np.log(np.clip(pk, 1e-12, 1.0))
            allowed, lw, open_lw, bound = tables[length]  # [K, L, C], [K]
            pos = np.arange(length)
            g_fit = allowed[:, pos, g_ids].all(-1)  # [K]
            g_prior = float(_log_priors(g_fit[:, None], lw, open_lw)[0])
            # exact shortcut: no other text can win when the cheapest single swap costs more than the most
            # prior any text could gain
            cheapest = float((logp[pos, g_ids] - np.partition(logp, -2, axis=-1)[:, -2]).min())
            if cheapest < weight * (bound - g_prior):
                cands = np.vstack([g_ids[None], np.where(allowed, logp[None], NEG).argmax(-1)])  # [1 + K, L]
                fit = allowed[:, pos[None, :], cands].all(-1)  # [K, 1 + K]
                priors = _log_priors(fit, lw, open_lw)
                m = int((logp[pos[None, :], cands].sum(-1) + weight * priors).argmax())  # ties: the greedy text
                if m > 0 and (cands[m] != g_ids).any():
                    sel = cands[m]
        if sel is None:
            f = region.guess_format(g_text) if g_text else None
            texts.append(g_text)
            cps.append(g_probs)
            fmts.append(f.name if f is not None else None)
            continue
        text = "".join(region.alphabet[c - 1] for c in sel)
        f = region.guess_format(text)
        texts.append(text)
        fmts.append(f.name if f is not None else None)
        swapped = np.flatnonzero(sel != g_ids)  # S positions; the chosen text fits a pattern (it is one's best)
        cp = pk[pos, g_ids].astype(np.float64)
        cp[swapped] = _posterior_marginals(pk, allowed, lw, open_lw, weight, len(region.alphabet))[
            swapped, sel[swapped]]
        cps.append(cp.astype(np.float32))
    return texts, cps, fmts
