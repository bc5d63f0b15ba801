"""Every registered recognizer: shapes, no NaN, gradients everywhere, checkpoint round trip, decoding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from platekit.core.ctc_decode import ctc_decode_constrained, ctc_decode_prior
from platekit.core.formats import get_region
from platekit.core.tokenizer import CTCTokenizer
from platekit.models.recognizers import decode_logits
from platekit.models.registry import create_model, list_models, load_checkpoint, save_checkpoint

torch.set_num_threads(1)

# small settings per known family so the whole file stays fast; unknown models use their defaults
TINY = {
    "multihead": dict(input_size=(32, 96), backbone="mobilenetv3_small_050"),
    "multihead_lstm": dict(input_size=(32, 96), widths=(8, 16, 16, 24), hidden=16),
    "crnn_ctc": dict(input_size=(32, 96), widths=(8, 16, 16, 24), hidden=16),
    "maskocr_tiny": dict(input_size=(32, 96), embed_dim=32, depth=1, heads=2, dec_depth=1),
    "maskocr_base": dict(input_size=(32, 96), embed_dim=32, depth=1, heads=2, dec_depth=1),
}
RECOGNIZERS = list_models("recognizer")


def make(name: str, region: str = "cn") -> torch.nn.Module:
    torch.manual_seed(0)
    return create_model(name, region=region, **TINY.get(name, {}))


def batch(model, n: int = 3, seed: int = 0) -> torch.Tensor:
    h, w = model.input_size
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, h, w, 3), dtype=torch.uint8, generator=g)


def test_the_three_families_are_registered():
    assert {"multihead", "multihead_lstm", "crnn_ctc"} <= set(RECOGNIZERS)


@pytest.mark.parametrize("name", RECOGNIZERS)
@pytest.mark.parametrize("region", ["cn", "ru"])
def test_output_shape_and_no_nan(name, region):
    m = make(name, region).eval()
    r = get_region(region)
    with torch.no_grad():
        y = m(batch(m))
    assert m.decoder in ("slots", "ctc")
    assert torch.isfinite(y).all()
    if m.decoder == "slots":
        assert y.shape == (3, r.n_slots, len(r.alphabet) + 1)
    else:
        assert y.shape[0] == 3 and y.shape[2] == len(r.alphabet) + 2 and y.shape[1] >= 2 * r.n_slots + 1
    texts, cps = decode_logits(m, y)
    assert len(texts) == 3 and all(len(c) == len(t) for t, c in zip(texts, cps, strict=True))
    ctexts, _ = decode_logits(m, y, constrained=True)
    assert all(r.guess_format(t) is not None for t in ctexts)  # constrained decoding is always a valid plate


@pytest.mark.parametrize("name", RECOGNIZERS)
def test_gradients_reach_every_parameter(name):
    m = make(name).train()
    y = m(batch(m, 4))
    (y.float().log_softmax(-1)[..., 0].sum() + y.float().pow(2).mean()).backward()
    missing = [n for n, p in m.named_parameters() if p.requires_grad and (p.grad is None or not p.grad.abs().sum() > 0)]
    assert not missing, f"no gradient for {missing[:5]}"


@pytest.mark.parametrize("name", RECOGNIZERS)
def test_checkpoint_round_trip(name, tmp_path):
    m = make(name).eval()
    x = batch(m)
    path = str(tmp_path / "m.pt")
    save_checkpoint(path, m, region="cn", crop_margin=0.05)
    m2, meta = load_checkpoint(path)
    assert meta["crop_margin"] == 0.05 and type(m2) is type(m)
    with torch.no_grad():
        torch.testing.assert_close(m(x), m2(x))


def test_slot_charsets_first_restricts_slot0_to_provinces():
    m = create_model("multihead", input_size=(32, 96), slot_charsets="first").eval()
    with torch.no_grad():
        texts, _ = m.decode(m(batch(m, 8)))
    r = get_region("cn")
    assert all(t[0] in r.formats[0].patterns[0][0] for t in texts if t)
    assert all(all(c not in r.formats[0].patterns[0][0] for c in t[1:]) for t in texts)


def _path_probs(path: list[int], c: int, sharp: float = 0.9) -> np.ndarray:
    p = np.full((len(path), c), (1 - sharp) / (c - 1))
    p[np.arange(len(path)), path] = sharp
    return p


def test_ctc_constrained_matches_greedy_on_a_clean_path_and_fixes_a_bad_slot():
    r = get_region("cn")
    tok = CTCTokenizer.for_region(r)
    ids = [r.alphabet.index(c) + 1 for c in "皖A11345"]
    path = [0, ids[0], 0, ids[1], 0, ids[2], 0, ids[3], 0, ids[4], ids[5], 0, ids[6], 0]
    p = _path_probs(path, tok.num_classes)[None]
    assert tok.decode(p)[0] == ["皖A11345"]
    texts, cps, fmts = ctc_decode_constrained(p, r)
    assert texts == ["皖A11345"] and fmts == ["cn-blue"] and len(cps[0]) == 7
    # the letter slot (frame 3) looks more like the digit '1' than like 'A'
    bad = p.copy()
    one = r.alphabet.index("1") + 1
    bad[0, 3] = 0.01
    bad[0, 3, one] = 0.6
    bad[0, 3, ids[1]] = 0.39
    bad[0, 4] = bad[0, 3]
    assert tok.decode(bad)[0][0][1] == "1"  # greedy reads a digit in the letter slot
    assert ctc_decode_constrained(bad, r)[0] == ["皖A11345"]


def _text_probs(text: str, r, swap: dict[int, tuple[str, float]] | None = None) -> np.ndarray:
    """CTC probs [1, T, C] spelling ``text`` (blank between characters); ``swap``: position -> (rival, prob)
    puts that much probability on a rival character at the position's frame."""
    tok = CTCTokenizer.for_region(r)
    ids = [r.alphabet.index(c) + 1 for c in text]
    path = [0]
    for i in ids:
        path += [i, 0]
    p = _path_probs(path, tok.num_classes)
    for pos, (rival, q) in (swap or {}).items():
        t = 1 + 2 * pos
        p[t] *= 1 - q
        p[t, r.alphabet.index(rival) + 1] += q
    return p[None]


def test_ctc_text_prior_swaps_look_alikes_toward_a_known_layout():
    r = get_region("latin")
    # a California-style serial (1ABC234) whose "1" the reader saw more as "I": IABC234 only fits the loose
    # German layout (1-3 + 1-2 letters, 1-4 digits), 1ABC234 the tighter US one (digit, 3 letters, 3 digits)
    p = _text_probs("1ABC234", r, {0: ("I", 0.7)})  # frame of position 0: "I" 0.7, "1" 0.27
    assert CTCTokenizer.for_region(r).decode(p)[0] == ["IABC234"]
    f = p[0, 1]  # that frame
    one, eye = f[r.alphabet.index("1") + 1], f[r.alphabet.index("I") + 1]
    assert eye > one
    texts, cps, fmts = ctc_decode_prior(p, r, weight=1.0)
    assert texts == ["1ABC234"] and fmts == ["us"]
    # the swapped character's probability: its posterior against "I" given the prior odds, above the raw p("1")
    assert one < cps[0][0] < 1.0
    assert ctc_decode_prior(p, r, weight=0.0)[0] == ["IABC234"]  # off: greedy
    assert ctc_decode_prior(p, r, weight=0.01)[0] == ["IABC234"]  # a weak prior does not outvote the picture
    # a clear picture is never overruled: "I" at 0.999 stays, whatever the layout
    assert ctc_decode_prior(_text_probs("1ABC234", r, {0: ("I", 0.999)}), r, weight=1.0)[0] == ["IABC234"]
    # a reading that fits a tight layout (France / Italy AB123CD) is kept against a near rival that fits none
    q = _text_probs("AB123CD", r, {2: ("I", 0.45)})
    assert ctc_decode_prior(q, r, weight=1.0)[0] == ["AB123CD"]


def test_ctc_text_prior_puts_a_chinese_reading_back_into_its_format():
    r = get_region("cn")
    tok = CTCTokenizer.for_region(r)
    p = _text_probs("皖A11345", r)
    one, a = r.alphabet.index("1") + 1, r.alphabet.index("A") + 1
    p[0, 3] = 0.01 / (tok.num_classes - 2)
    p[0, 3, one], p[0, 3, a] = 0.6, 0.39  # the letter slot looks more like "1" than like "A"
    assert tok.decode(p)[0][0] == "皖111345"  # fits no Chinese format
    texts, _, fmts = ctc_decode_prior(p, r, weight=1.0)
    assert texts == ["皖A11345"] and fmts == ["cn-blue"]
    # a strong prior and a class the picture gives no probability at all: finite confidences, no 0 / 0
    p[0, 3, a] = 0.0
    with np.errstate(invalid="raise", divide="raise"):
        texts, cps, _ = ctc_decode_prior(p, r, weight=200.0)
    assert texts[0][1] != "1" and r.guess_format(texts[0]) is not None  # some letter (A has no probability now)
    assert np.isfinite(cps[0]).all() and (cps[0] <= 1).all()


def test_ctc_text_prior_posterior_marginals_match_brute_force():
    """_posterior_marginals = the per-position posterior of picture x prior over every string (enumerated)."""
    import itertools

    from platekit.core.ctc_decode import _posterior_marginals, _prior_tables

    r = get_region("cn")
    tok = CTCTokenizer.for_region(r)
    allowed, lw, open_lw, _ = _prior_tables(r, tok.num_classes)[7]
    rng = np.random.default_rng(0)
    a = r.alphabet
    support = [[a.index(c) + 1 for c in cs] for cs in ("皖1", "A1", "0D", "8B", "3", "45", "5")]
    pk = np.zeros((7, tok.num_classes))
    for j, cls in enumerate(support):
        pk[j, [0] + cls] = rng.dirichlet(np.ones(len(cls) + 1))  # the blank has mass at a peak frame too
    pos = np.arange(7)
    # weight 1: the posterior of picture x prior; another weight tempers each part of the mixture
    for weight in (1.0, 0.5):
        got = _posterior_marginals(pk, allowed, lw, open_lw, weight, len(a))
        want, z = np.zeros_like(pk), 0.0
        for s in itertools.product(*support):
            s = np.array(s)
            parts = [weight * v for k, v in enumerate(lw) if allowed[k, pos, s].all()] + [weight * open_lw]
            w = np.exp(np.logaddexp.reduce(parts)) * pk[pos, s].prod()
            want[pos, s] += w
            z += w
        np.testing.assert_allclose(got, want / z, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(got.sum(-1), 1.0, rtol=1e-9)  # the blank is never a character


def test_ctc_text_prior_confidence_of_a_swap_is_its_posterior():
    """Two swapped characters get their posterior under picture x prior: sure when the layout forces them."""
    from platekit.core.ctc_decode import _posterior_marginals, _prior_tables

    r = get_region("cn")
    tok = CTCTokenizer.for_region(r)
    ids = [r.alphabet.index(c) + 1 for c in "皖A11345"]
    p = _text_probs("皖A11345", r)
    one = r.alphabet.index("1") + 1
    for t, right in ((1, ids[0]), (3, ids[1])):  # the province and the letter slot both look like "1"
        p[0, t] = 0.0
        p[0, t, one], p[0, t, right] = 0.9, 0.1
    assert tok.decode(p)[0][0] == "1111345"
    texts, cps, _ = ctc_decode_prior(p, r, weight=1.0)
    assert texts == ["皖A11345"]
    allowed, lw, open_lw, _ = _prior_tables(r, tok.num_classes)[7]
    pk = p[0, [1, 3, 5, 7, 9, 11, 13]]
    m = _posterior_marginals(pk, allowed, lw, open_lw, 1.0, len(r.alphabet))
    assert cps[0][0] == pytest.approx(m[0, ids[0]], rel=1e-5) and cps[0][1] == pytest.approx(m[1, ids[1]], rel=1e-5)
    # "1" is allowed in neither slot by any Chinese layout, only by the open fallback: the picture's 0.1 becomes
    # likely (what is left is the open fallback's share of "1111345")
    assert 0.5 < cps[0][0] < 1.0 and 0.5 < cps[0][1] < 1.0
    np.testing.assert_allclose(cps[0][2:], pk[np.arange(2, 7), ids[2:]], rtol=1e-6)  # the rest as read


def test_ctc_text_prior_latin_digit_slot_of_a_brazilian_plate():
    # Mercosul ABC1D23 with its "1" seen more as "I" (0.6 vs 0.36): ABCID23 fits only the loose German layout and
    # the catch-all, ABC1D23 the exact Brazilian one: read ABC1D23, and sure enough to be shown (session 12's
    # confidence left such a swap at the picture's 0.36)
    r = get_region("latin")
    p = _text_probs("ABC1D23", r, {3: ("I", 0.6)})
    texts, cps, fmts = ctc_decode_prior(p, r, weight=1.0)
    assert texts == ["ABC1D23"] and fmts == ["br"]
    assert 0.5 < cps[0][3] < 1.0
    # a picture sure of "I" where a tight layout wants a digit and a looser one does not: it stays an I
    q = _text_probs("1ABC234", r, {0: ("I", 0.9)})
    texts, cps, _ = ctc_decode_prior(q, r, weight=1.0)
    assert texts == ["IABC234"] and cps[0][0] == pytest.approx(q[0, 1].max(), rel=1e-6)


def test_ctc_text_prior_keeps_an_out_of_alphabet_reading_as_the_tokenizer_reads_it():
    r = get_region("cn")
    tok = CTCTokenizer.for_region(r)
    p = _text_probs("皖A11345", r)
    p[0, 5] = 0.1 / (tok.num_classes - 1)
    p[0, 5, tok.oov_id] = 0.9  # the frame of the first "1" peaks on the out-of-alphabet class
    texts, cps, fmts = ctc_decode_prior(p, r, weight=1.0)
    assert texts == tok.decode(p)[0] == ["皖A?1345"] and fmts == [None]
    np.testing.assert_allclose(cps[0], tok.decode(p)[1][0])


def test_ctc_text_prior_off_is_greedy_decoding_and_a_random_batch_matches_it_where_nothing_is_swapped():
    r = get_region("cn")
    tok = CTCTokenizer.for_region(r)
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(tok.num_classes) * 0.05, size=(40, 18))  # [N, T, C] peaky random frames
    g_texts, g_cps = tok.decode(p)
    texts, cps, _ = ctc_decode_prior(p, r, weight=0.0)
    assert texts == g_texts
    for a, b in zip(cps, g_cps, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    on, on_cps, _ = ctc_decode_prior(p, r, weight=1.0)
    assert all(a == b or len(a) == len(b) for a, b in zip(on, g_texts, strict=True))  # lengths never change
    for t, g, c, gc in zip(on, g_texts, on_cps, g_cps, strict=True):
        if t == g:
            np.testing.assert_allclose(c, gc, rtol=1e-6)


def test_recognizer_text_prior_precedence(tmp_path):
    """An explicit argument beats the sidecar's ``text_prior``, which beats the region's default; 0 turns it off."""
    import json
    import shutil

    from platekit.inference.recognizer import OnnxRecognizer
    from platekit.inference.session import shipped_models

    src = shipped_models("recognizer")["rec_cn"]
    assert OnnxRecognizer(src).text_prior == 1.0  # cn's region default
    assert OnnxRecognizer(src, text_prior=0).text_prior is None
    assert OnnxRecognizer(src, text_prior=0.5).text_prior == 0.5
    dst = tmp_path / "rec.onnx"
    shutil.copy(src, dst)
    meta = json.loads(src.with_suffix(".json").read_text(encoding="utf-8"))
    meta["text_prior"] = 0.25
    dst.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    assert OnnxRecognizer(dst).text_prior == 0.25
    assert OnnxRecognizer(dst, text_prior=2.0).text_prior == 2.0
    latin = shipped_models("recognizer")["rec_latin"]
    assert OnnxRecognizer(latin).text_prior == 1.0  # latin: on by default since session 13
    meta["text_prior"] = 0  # a sidecar can turn it off
    dst.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    assert OnnxRecognizer(dst).text_prior is None


def test_ctc_text_prior_is_the_recognizers_region_default():
    from platekit.core.formats import REGIONS

    assert REGIONS["cn"].text_prior == 1.0
    # latin on since session 13 (swapped characters get their posterior; docs/reading.md); ru's reader is not CTC
    assert REGIONS["latin"].text_prior == 1.0


def test_ctc_constrained_is_the_best_valid_path_by_brute_force():
    """Tiny alphabet, all paths enumerated: the Viterbi result is the best valid path."""
    import itertools

    from platekit.core.formats import PlateFormat, Region

    fmt = PlateFormat("t", "t", (("AB", "12"), ("AB", "12", "12")))
    region = Region("t", (fmt,), "AB12", "_", 3)
    rng = np.random.default_rng(0)
    for _ in range(20):
        p = rng.dirichlet(np.ones(6) * 0.5, size=5)[None]  # [1, T=5, C=6]
        lp = np.log(p[0])
        best, best_text = -np.inf, None
        for path in itertools.product(range(6), repeat=5):
            if 5 in path:  # OOV
                continue
            text, prev = [], 0
            for i in path:
                if i != 0 and i != prev:
                    text.append("AB12"[i - 1])
                prev = i
            t = "".join(text)
            if fmt.validate(t):
                s = sum(lp[k, i] for k, i in enumerate(path))
                if s > best:
                    best, best_text = s, t
        assert ctc_decode_constrained(p, region)[0] == [best_text]


def test_crnn_frame_stride_8_halves_the_frames_and_reuses_stride_4_weights():
    kw = dict(TINY["crnn_ctc"], input_size=(32, 160))
    torch.manual_seed(0)
    m4 = create_model("crnn_ctc", **kw).eval()
    m8 = create_model("crnn_ctc", frame_stride=8, **kw).eval()
    assert m4.state_dict().keys() == m8.state_dict().keys()
    m8.load_state_dict(m4.state_dict())  # same tensor shapes: a stride-4 checkpoint initialises stride 8
    x = batch(m4)
    with torch.no_grad():
        y4, y8 = m4(x), m8(x)
    assert y4.shape[1] == 160 // 4 and y8.shape[1] == 160 // 8
    assert torch.isfinite(y8).all()
    with pytest.raises(ValueError, match="too small for CTC"):
        create_model("crnn_ctc", frame_stride=8, **TINY["crnn_ctc"])  # 96 / 8 = 12 frames < 2 * 8 + 1
    with pytest.raises(ValueError, match="frame_stride"):
        create_model("crnn_ctc", frame_stride=3, **kw)
