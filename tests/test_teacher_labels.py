"""scripts/teacher_label_latin.py's filter: which boxes get a label, by which rule (no teacher model needed)."""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
from pathlib import Path


def _script():
    path = Path(__file__).resolve().parents[1] / "scripts" / "teacher_label_latin.py"
    spec = importlib.util.spec_from_file_location("teacher_label_latin", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def _line(text: str, score: float) -> dict:
    return {"text": text, "score": score, "h": 30.0, "cy": 20.0, "cx": 50.0}


def _labels(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8") as f:
        return {r["image_path"]: r["plate_text"] for r in csv.DictReader(f)}


def test_platekit_view_rescues_only_boxes_a_teacher_view_agrees_with(tmp_path):
    m = _script()
    raw = [  # crop, view A lines, view B text / score; view D text / confidence
        ("train/1_0.png", [_line("AB123CD", 0.99)], "AB123CD", 0.95, "AB123CD", 0.9),  # ok by A = B: strict label
        ("train/2_0.png", [_line("XY45ZZ", 0.90)], "Y45ZZ", 0.90, "XY45ZZ", 0.8),      # D = A: rescued
        ("train/3_0.png", [_line("KL789M", 0.90)], "L789M", 0.90, "L789M", 0.7),       # D = B: rescued as B's text
        ("train/4_0.png", [_line("QW12ER", 0.90)], "W12ER", 0.90, "QW12EP", 0.99),     # D agrees with neither
        ("train/5_0.png", [_line("TT55UU", 0.90)], "T55UU", 0.90, "TT55UU", 0.3),      # D too unsure
        ("train/6_0.png", [_line("GH66JK", 0.60)], "GH66JK", 0.60, "GH66JK", 0.9),     # A = B below the bar, D agrees
        ("train/7_0.png", [_line("NOPLATE", 0.90)], "OPLATE", 0.90, "NOPLATE", 0.9),   # views disagree, no digit
        ("train/9_0.png", [_line("RT77YU", 0.70)], "T77YU", 0.90, "RT77YU", 0.9),      # D = A, but A below 0.85
        ("train/10_0.png", [_line("FG88HJ", 0.90)], "G88HJ", 0.90, "FG88HJ", 0.5),    # D exactly at the bar
        ("train/12_0.png", [_line("WUI9MKO", 0.90)], "UI9MKO", 0.90, "WU19MKO", 0.9),  # D = A's format fix
        ("train/11_0.png", [_line("ZX12CV", 0.90)], "ZX-12 CV9", 0.90, "ZX12CV9", 0.8),  # D = B once B is cleaned
        ("val/8_0.png", [_line("VB34NM", 0.97)], "B34NM", 0.97, "VB34NM", 0.9),       # single-view rule first
    ]
    for split in ("train", "val"):  # the crops' folders, as the labelling pass leaves them
        (tmp_path / split).mkdir()
    with open(tmp_path / "raw.jsonl", "w", encoding="utf-8") as f, \
            open(tmp_path / "raw_d.jsonl", "w", encoding="utf-8") as g:
        for crop, lines, b, bs, d, dc in raw:
            f.write(json.dumps({"crop": crop, "split": crop.split("/")[0], "box": [0, 0, 10, 5], "lines": lines,
                                "b_text": b, "b_score": bs}) + "\n")
            g.write(json.dumps({"crop": crop, "d_text": d, "d_conf": dc, "iou": 0.8}) + "\n")
    args = argparse.Namespace(out=str(tmp_path), rectified_view=False, platekit_view=0.5, single_view=0.95,
                              min_score=0.85)
    m.refilter(args)
    assert _labels(tmp_path / "train" / "labels.csv") == {"1_0.png": "AB123CD"}
    assert _labels(tmp_path / "train" / "labels_platekit.csv") == {
        "2_0.png": "XY45ZZ", "3_0.png": "L789M", "6_0.png": "GH66JK", "10_0.png": "FG88HJ", "11_0.png": "ZX12CV9",
        "12_0.png": "WU19MKO"}
    assert _labels(tmp_path / "val" / "labels_single.csv") == {"8_0.png": "VB34NM"}
    assert _labels(tmp_path / "val" / "labels_platekit.csv") == {}  # kept by the single-view rule, not twice
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["platekit_view"] == {"min_confidence": 0.5, "kept": {"train": 6, "val": 0}}
