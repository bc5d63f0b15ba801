"""Library replacements keep the behaviour: NMS (OpenCV), edit distance (RapidFuzz), the photometric
augmentation (albumentations), the read table (rich)."""

from __future__ import annotations

import numpy as np
import pytest

from platekit.core.geometry import box_iou, nms


def _greedy_nms(boxes, scores, thr):  # the reference: keep the best, drop boxes with IoU > thr, repeat
    order, keep = list(np.argsort(-scores, kind="stable")), []
    while order:
        i = order.pop(0)
        keep.append(i)
        order = [j for j in order if box_iou(boxes[i], boxes[j])[0, 0] <= thr]
    return keep


def test_nms_matches_greedy_reference():
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 30))
        xy = rng.uniform(0, 200, (n, 2))
        b = np.concatenate([xy, xy + rng.uniform(5, 80, (n, 2))], 1).astype(np.float32)
        s = rng.permutation(n).astype(np.float32) / n - 0.3  # distinct, some negative
        thr = float(rng.uniform(0.1, 0.8))
        assert nms(b, s, thr).tolist() == _greedy_nms(b, s, thr)
    assert nms(np.zeros((0, 4)), np.zeros(0)).shape == (0,)
    two = np.array([[0, 0, 10, 10], [1, 0, 11, 10]], np.float32)  # IoU 0.818
    assert nms(two, np.array([0.5, 0.9]), 0.8).tolist() == [1]
    assert nms(two, np.array([0.5, 0.9]), 0.85).tolist() == [1, 0]


def test_edit_ops_is_an_optimal_alignment():
    pytest.importorskip("rapidfuzz")
    from platekit.evaluation.metrics import cer, edit_ops, top_confusions

    assert edit_ops("皖A12345", "皖A12345") == (0, [])
    assert edit_ops("皖A12345", "皖A1Z345") == (1, [("2", "Z")])
    assert edit_ops("皖A12345", "皖A1345") == (1, [("2", "∅")])
    assert edit_ops("", "AB") == (2, [("∅", "A"), ("∅", "B")])
    assert edit_ops("kitten", "sitting")[0] == 3
    assert cer(["皖A1Z345", "皖A1345"], ["皖A12345", "皖A12345"]) == pytest.approx(2 / 14)
    top = top_confusions(["皖A1Z345", "皖A1Z34"], ["皖A12345", "皖A12345"])
    assert top[0] == {"truth": "2", "pred": "Z", "count": 2}


def test_albumentations_photometric_keeps_shape_type_and_varies():
    pytest.importorskip("albumentations")
    from platekit.train.rec_data import albu_photometric, photometric

    rng = np.random.default_rng(0)
    img = np.tile(np.linspace(40, 220, 144, dtype=np.float32), (48, 1))[..., None].repeat(3, 2).astype(np.uint8)
    for s in (0.0, 0.5, 1.0):
        aug = albu_photometric(s, seed=1)
        outs = [aug(img, rng) for _ in range(20)]
        assert all(o.shape == img.shape and o.dtype == np.uint8 for o in outs)
        diffs = [np.abs(o.astype(int) - img).mean() for o in outs]
        if s == 0:
            assert max(diffs) == 0
        else:  # changes most crops, by about as much as the hand-written recipe does
            hand = [np.abs(photometric(img, rng, s).astype(int) - img).mean() for _ in range(200)]
            assert np.mean([d > 0 for d in diffs]) > 0.6
            assert 0.3 < np.mean(diffs) / np.mean(hand) < 3
    a, b = albu_photometric(1.0, seed=3), albu_photometric(1.0, seed=3)
    assert all(np.array_equal(a(img, rng), b(img, rng)) for _ in range(5))  # seeded: reproducible


def test_read_table_is_aligned_for_wide_characters(capsys):
    from platekit.cli.read import print_table

    recs = [{"image": "a.jpg", "width": 1, "height": 1, "ms": 1, "plates": [
        {"text": "皖A12345", "confidence": 0.99, "detection_confidence": 0.9, "box": [1, 2, 3, 4]}]},
        {"image": "bb.jpg", "error": "bb.jpg: broken"}]
    print_table(recs)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["image", "plate", "conf", "det", "box", "/", "type", "/", "note"]
    assert "皖A12345" in lines[1] and "ERROR" in lines[2] and "bb.jpg: broken" in lines[2]
    from rich.cells import cell_len

    col = cell_len(lines[0][: lines[0].index("conf")])  # the conf column starts at the same cell
    assert cell_len(lines[1][: lines[1].index("0.990")]) == col


def test_paired_exact_test_counts_discordant_samples_and_gives_the_exact_binomial_p(tmp_path):
    import json
    import subprocess
    import sys

    from platekit.evaluation.metrics import paired_exact_test

    # 10 samples only A reads, none only B: p = 2 / 2**10; the 5 both read and the 3 neither reads change nothing
    a = [True] * 10 + [True] * 5 + [False] * 3
    b = [False] * 10 + [True] * 5 + [False] * 3
    t = paired_exact_test(a, b)
    assert (t["n"], t["only_a"], t["only_b"]) == (18, 10, 0)
    assert t["p"] == pytest.approx(2 / 1024)
    assert paired_exact_test(b, a)["p"] == pytest.approx(2 / 1024)  # two-sided: symmetric
    assert paired_exact_test([True, False], [False, True])["p"] == 1.0  # an even split
    assert paired_exact_test([True], [True])["p"] == 1.0  # nothing differs
    # 3 vs 1 discordant: P(X <= 1 | n=4) = 5/16, two-sided 10/16
    assert paired_exact_test([1, 1, 1, 0], [0, 0, 0, 1])["p"] == pytest.approx(10 / 16)
    big = paired_exact_test([True] * 700 + [False] * 400, [False] * 700 + [True] * 400)  # 1,100 discordant
    assert 0 < big["p"] < 1e-15  # no float overflow of 2**n
    with pytest.raises(ValueError, match="same samples"):
        paired_exact_test([True], [True, False])

    # the script over two eval output folders, matched by image path (written in another order)
    for name, rows in (("a", [("x.png", True), ("y.png", True)]), ("b", [("y.png", False), ("x.png", True)])):
        (tmp_path / name).mkdir()
        (tmp_path / name / "outcomes.jsonl").write_text(
            "".join(json.dumps({"image": i, "exact": e}) + "\n" for i, e in rows), encoding="utf-8")
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, str(root / "scripts" / "paired_outcomes.py"), str(tmp_path / "a"),
                          str(tmp_path / "b")], capture_output=True, text=True, check=True).stdout
    assert "only A 1  only B 0  p 1" in out
    bad = subprocess.run([sys.executable, str(root / "scripts" / "paired_outcomes.py"), str(tmp_path / "a"),
                          str(tmp_path / "nope")], capture_output=True, text=True)
    assert bad.returncode != 0 and "not found" in bad.stderr and "Traceback" not in bad.stderr
