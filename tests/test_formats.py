import numpy as np
import pytest

from platekit.core.formats import REGIONS, get_format, guess_format, normalize_text
from platekit.core.tokenizer import CTCTokenizer, SlotTokenizer


@pytest.mark.parametrize(
    "text,fmt",
    [("皖A12345", "cn-blue"), ("粤BD12345", "cn-green"), ("X371HK96", "ru"), ("A123BC777", "ru")],
)
def test_guess_format(text, fmt):
    assert guess_format(text).name == fmt


@pytest.mark.parametrize("text", ["", "皖I12345", "皖A1234", "ZZ371HK96", "X371HK9", "A123BC7777", "hello"])
def test_invalid_texts(text):
    # no Chinese or Russian plate; alphanumeric texts of 2-10 characters are Latin plates (latin-generic at least)
    assert REGIONS["cn"].guess_format(text) is None and REGIONS["ru"].guess_format(text) is None
    f = guess_format(text)
    assert f is None if not text.isascii() or not text else f.region == "latin"


def test_cyrillic_normalises_to_latin():
    assert normalize_text("Х371НК96", "ru") == "X371HK96"
    assert get_format("ru").validate(normalize_text("а 123 вс 77", "ru"))


def test_unknown_format_message():
    with pytest.raises(ValueError, match="known: cn-blue"):
        get_format("xx")


def test_ru_alphabet_is_22_symbols():
    assert len(REGIONS["ru"].alphabet) == 22
    assert get_format("ru").alphabet() == "".join(sorted(set(get_format("ru").alphabet()), key=get_format("ru").alphabet().index))


def test_slot_tokenizer_round_trip():
    tok = SlotTokenizer.for_region(REGIONS["cn"])
    texts = ["皖A12345", "粤BD12345"]
    ids = tok.encode(texts)
    assert ids.shape == (2, 8) and ids[0, 7] == tok.pad_id
    probs = np.eye(tok.num_classes)[ids]
    out, p = tok.decode(probs)
    assert out == texts and len(p[0]) == 7
    with pytest.raises(ValueError):
        tok.encode(["皖A1234567"])
    with pytest.raises(ValueError):
        tok.encode(["皖I12345"])


def test_constrained_decoding_prefers_valid_text():
    region = REGIONS["ru"]
    tok = SlotTokenizer.for_region(region)
    ids = tok.encode(["X371HK96"])[0]
    probs = np.full((1, 9, tok.num_classes), 0.01)
    probs[0, np.arange(9), ids] = 0.5
    probs[0, 1, tok.vocab.index("B")] = 0.6  # a letter where a digit must be
    free, _ = tok.decode(probs)
    assert free[0] == "XB71HK96"
    texts, _, fmts = tok.decode_constrained(probs, region)
    assert texts[0] == "X371HK96" and fmts[0] == "ru"


def test_ctc_tokenizer_decode_collapses_repeats():
    tok = CTCTokenizer("AB12", max_len=4)
    targets, lengths = tok.encode(["AB1", "Z"])
    assert lengths.tolist() == [3, 1] and targets[1, 0] == tok.oov_id
    seq = [1, 1, 0, 2, 0, 2, 3]  # A A - B - B 1 -> "ABB1"
    probs = np.eye(tok.num_classes)[seq][None]
    texts, p = tok.decode(probs)
    assert texts == ["ABB1"] and len(p[0]) == 4


@pytest.mark.parametrize("fmt,text", [("ru", "A123BC77"), ("ru-taxi", "AB12377"), ("ru-trailer", "AB1234777"),
                                      ("ru-police", "A1234199"), ("ru-transit", "AB123C77"),
                                      ("ru-moto", "1234AB77"), ("ru-square", "A123BC777")])
def test_russian_types_read_as_one_text_and_report_their_type(fmt, text):
    import numpy as np

    from platekit.synth.generator import random_text

    f = get_format(fmt)
    assert f.validate(text) and f.region == "ru" and len(text) <= REGIONS["ru"].n_slots
    # a square type 1A has type 1's characters: from the text alone it reads as "ru"
    assert guess_format(text).name == ("ru" if fmt == "ru-square" else fmt)
    rng = np.random.default_rng(0)
    for _ in range(50):  # every generated text fits its own type's pattern
        assert f.validate(random_text(fmt, rng))
    assert set(f.alphabet()) <= set(REGIONS["ru"].alphabet)


def test_region_patterns_are_distinct():
    pats = [p for _, p in REGIONS["ru"].slot_patterns()]
    # 7 types x 2 region lengths, less type 1A (= type 1) and one clash: a taxi with a 3-digit region has a
    # trailer's characters with a 2-digit one (AB123 777 / AB1234 77: the text alone cannot tell)
    assert len(pats) == len(set(pats)) == 11
    assert guess_format("AB123777").name == "ru-taxi" and get_format("ru-trailer").validate("AB123777")
