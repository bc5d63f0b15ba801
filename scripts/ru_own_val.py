"""Own validation of Russian readers (issue 15): the training config's validation sets (500 synthetic
plates at difficulty 0.8 + the Nomeroff example X371HK96) plus 300 hard synthetic crops that are all
binarised (seed 20000), drawn at each reader's input size (same seeds); CTC models also decoded greedily, as the
Reader does. Never the test crops.

    PYTHONPATH=src python scripts/ru_own_val.py runs/rec/ru_mhl2/best.pt other.pt model.onnx ...
    PYTHONPATH=src python scripts/ru_own_val.py --faces off ...   # the sets as drawn before the GOST stroke face
                                                                  # (session 15): installed fonts only
"""
import argparse
import json

import numpy as np

from platekit.evaluation.recognizer import load_recognizer
from platekit.synth.generator import PlateSynth
from platekit.train.config import load_config
from platekit.train.recognizer import RecognizerTrainConfig, build_data

ap = argparse.ArgumentParser(description="own validation of Russian readers")
ap.add_argument("models", nargs="+", help=".pt checkpoints or .onnx readers")
ap.add_argument("--faces", choices=("on", "off"), default="on", help="off: the sets drawn without the GOST stroke face")
a = ap.parse_args()
faces = a.faces == "on"  # off: the generator draws exactly what it drew before the face existed (tested)
def own_sets(size: tuple[int, int]) -> list:
    """The sets drawn at a reader's input size (h, w): the same seeds, so every 48x160 reader sees the same pixels."""
    cfg = load_config(RecognizerTrainConfig, "configs/rec_ru.yaml", ["data.synthetic.pool=0", "data.steps_per_epoch=1",
                                                                     f"input_size=[{size[0]},{size[1]}]",
                                                                     f"data.synthetic.plate_faces={str(faces).lower()}"])
    _, vals = build_data(cfg, echo=lambda *a: None)
    sy = cfg.data.synthetic
    gen = PlateSynth(tuple(sy.formats), (size[1], size[0]), 0.8, 20000, sy.weights, cfg.crop_margin,
                     tuple(sy.label_expand), binarize=1.0, crop_jitter=sy.crop_jitter, plate_faces=faces)
    rng = np.random.default_rng(20000)
    rows = [gen.sample(rng)[:2] for _ in range(300)]
    vals.append(("synthetic_binarised", np.stack([r[0] for r in rows]), [r[1] for r in rows]))
    return vals


sets: dict = {}
out = {}
for path in a.models:
    rec = load_recognizer(path)
    res = {}
    size = tuple(rec.input_size)
    if size not in sets:
        sets[size] = own_sets(size)
    for name, x, t in sets[size]:
        pr = rec.probs(x)
        texts, _ = rec.decode(pr)
        res[name] = round(float(np.mean([a == b for a, b in zip(texts, t, strict=True)])), 4)
        if rec.decoder == "ctc":  # the ONNX Reader decodes CTC greedily
            g, _ = rec.decode(pr, constrained=False)
            res[name + "_greedy"] = round(float(np.mean([a == b for a, b in zip(g, t, strict=True)])), 4)
        if name == "nomeroff":
            res["nomeroff_read"] = texts
    out[path] = res
    print(path, json.dumps(res), flush=True)
