"""Train the region classifier (models/region_classifier.py) that routes plates for ``--region auto``.

Each class is fed from real crops where we have them and from the generator: ``cn`` = CCPD train-split
crops + synthetic plates of every Chinese type; ``ru`` = synthetic Russian plates of every type (a
third binarised, as older pipelines give them); ``latin`` = every openlpr train-split box (scenes from
many countries, labelled or not by the teacher, except the few the teacher read Chinese characters on) + synthetic Latin plates when the generator has them.
Classes are drawn equally often; crops get the recognizers' photometric augmentation, random grey,
low resolution and loose/tight framing. Plain torch loop (a 60 k-parameter net: Lightning would be
most of the code).
"""

from __future__ import annotations

import glob
import json
import os
import time
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch
from torch import nn

from platekit.core.formats import FORMATS
from platekit.errors import PlatekitError
from platekit.export.onnx import export_onnx, param_count
from platekit.models.region_classifier import RegionClassifier
from platekit.synth.generator import PlateSynth

CLASSES = ("cn", "ru", "latin")


@dataclass
class ClassifierData:
    """Where each class's crops come from (paths relative to the working directory)."""

    ccpd: str | None = "../shared/data/ccpd2019_base"
    openlpr_crops: str | None = "runs/latin_teacher"  # scripts/teacher_label_latin.py output: train/*.png, val/*.png
    synth_per_class: int = 3000
    # per class, the generator's plate types ([]: every type of that region the generator knows: all
    # Chinese types, learner / police / two-row yellow included, every Russian and Latin one)
    synth_formats: dict[str, list[str]] = field(default_factory=lambda: {"cn": [], "ru": [], "latin": []})
    # the generator's difficulty; several values split each class's synthetic crops evenly between them
    difficulties: tuple[float, ...] = (0.8,)
    # the classes, and which class the real crops feed (the plate-colour classifier: ccpd -> "blue", no openlpr)
    classes: tuple[str, ...] = CLASSES
    ccpd_class: str = "cn"
    openlpr_class: str | None = "latin"


def add_args(ap, steps: int, synth: int, difficulties: str, seed: int) -> None:
    """The options every classifier training script takes (scripts/train_region_classifier.py,
    scripts/train_colour_classifier.py), with that script's defaults."""
    ap.add_argument("out", help="output .onnx (sidecar .json next to it)")
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--synth", type=int, default=synth, help="synthetic crops per class")
    ap.add_argument("--difficulties", default=difficulties, help="generator difficulties, comma-separated (split evenly)")
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ccpd", default="../shared/data/ccpd2019_base")


def _synth(formats: list[str], n: int, size: tuple[int, int], seed: int, binarize: float,
           difficulties: tuple[float, ...] = (0.8,)) -> np.ndarray:
    formats = [f for f in formats if f in FORMATS]
    if not formats or n <= 0:
        return np.zeros((0, size[0], size[1], 3), np.uint8)
    out = []
    for j, d in enumerate(difficulties):
        # the router sees plain rectified crops (Reader._route), so two-row plates are not stitched here
        gen = PlateSynth(formats, size=(size[1], size[0]), difficulty=d, seed=seed + 7919 * j, binarize=binarize,
                         crop_jitter=0.06, stitch_rows=False)
        k = n // len(difficulties) + (j < n % len(difficulties))
        out += [gen.sample_at(i)[0] for i in range(k)]
    return np.stack(out)


def _cjk_crops(root: str) -> set[str]:
    """Crops the teacher read Chinese characters on (openlpr has a few Chinese plates): not ``latin``."""
    path = os.path.join(root, "raw.jsonl")
    if not os.path.isfile(path):
        return set()
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            texts = [x["text"] for x in r["lines"]] + [r["b_text"]]
            if any("\u4e00" <= c <= "\u9fff" for t in texts for c in t):
                out.add(os.path.join(root, r["crop"]))
    return out


def _folder(pattern: str, size: tuple[int, int], skip: set[str] = frozenset()) -> np.ndarray:
    h, w = size
    paths = [p for p in sorted(glob.glob(pattern)) if p not in skip]
    out = [cv2.resize(cv2.imread(p)[..., ::-1], (w, h), interpolation=cv2.INTER_AREA) for p in paths]
    return np.stack(out) if out else np.zeros((0, h, w, 3), np.uint8)


def _ccpd(root: str, split: str, size: tuple[int, int]) -> np.ndarray:
    from platekit.train import rec_data as rd

    samples = rd.load_samples(rd.Source(root, split=split), "cn")
    return rd.eval_crops(samples, (size[1], size[0]), "corners", 0.05, cache_dir=os.path.expanduser("~/.cache/platekit/rec"))[0]


def build_sets(data: ClassifierData, size: tuple[int, int], seed: int = 0) -> tuple[list[np.ndarray], list[dict]]:
    """-> (train arrays per class, val sets [{name, cls, x}])."""
    classes = data.classes
    fmts = {c: list(data.synth_formats.get(c) or [n for n, f in FORMATS.items() if f.region == c]) for c in classes}
    n = data.synth_per_class
    train = {c: [_synth(fmts[c], n, size, seed + 11 * i, 0.35 if c == "ru" else 0.05, data.difficulties)]
             for i, c in enumerate(classes)}
    val = [{"name": f"synth_{c}", "cls": c, "x": _synth(fmts[c], 300, size, 1000 + seed + 11 * i, 0.35 if c == "ru" else 0.05)}
           for i, c in enumerate(classes)]
    if data.ccpd and os.path.isdir(data.ccpd) and data.ccpd_class in classes:
        train[data.ccpd_class].append(_ccpd(data.ccpd, "train", size))
        val.append({"name": "ccpd_val", "cls": data.ccpd_class, "x": _ccpd(data.ccpd, "val", size)})
    if data.openlpr_crops and os.path.isdir(data.openlpr_crops) and data.openlpr_class in classes:
        cjk = _cjk_crops(data.openlpr_crops)
        train[data.openlpr_class].append(_folder(os.path.join(data.openlpr_crops, "train", "*.png"), size, cjk))
        val.append({"name": "openlpr_val", "cls": data.openlpr_class,
                    "x": _folder(os.path.join(data.openlpr_crops, "val", "*.png"), size, cjk)})
    empty = [c for c in classes if not any(len(a) for a in train[c])]
    if empty:
        raise PlatekitError(f"no training crops for class {', '.join(empty)}: give its data or generator formats")
    return [np.concatenate([a for a in train[c] if len(a)]) for c in classes], [v for v in val if len(v["x"])]


def augment(img: np.ndarray, rng: np.random.Generator, grey: float = 0.15) -> np.ndarray:
    from platekit.train.rec_data import photometric

    h, w = img.shape[:2]
    if rng.random() < 0.7:  # loose / tight framing and small shifts
        dx0, dx1 = (rng.uniform(-0.08, 0.12, 2) * w).astype(int)
        dy0, dy1 = (rng.uniform(-0.1, 0.2, 2) * h).astype(int)
        src = np.float32([[-dx0, -dy0], [w + dx1, -dy0], [w + dx1, h + dy1], [-dx0, h + dy1]])
        m = cv2.getPerspectiveTransform(src, np.float32([[0, 0], [w, 0], [w, h], [0, h]]))
        img = cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.3:  # far plates
        s = rng.uniform(0.3, 0.7)
        img = cv2.resize(cv2.resize(img, (max(8, int(w * s)), max(4, int(h * s)))), (w, h))
    img = photometric(img, rng, 0.6)
    if rng.random() < grey:  # IR / grey cameras
        img = np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[..., None], 3, 2)
    return img


def evaluate(model: RegionClassifier, val: list[dict]) -> dict[str, float]:
    model.eval()
    out = {}
    with torch.no_grad():
        for v in val:
            p = model(torch.from_numpy(v["x"])).numpy()
            out[v["name"]] = float((p.argmax(1) == model.classes.index(v["cls"])).mean())
    model.train()
    return out


def train(out_path: str, data: ClassifierData | None = None, size: tuple[int, int] = (40, 128), steps: int = 3000,
          batch: int = 96, lr: float = 3e-3, seed: int = 0, threads: int = 1, log=print,
          kind: str = "region_classifier", grey: float = 0.15, widths: tuple[int, ...] = (16, 32, 48, 64)) -> dict:
    """Train, export ``out_path`` (.onnx + .json sidecar with the validation accuracies) -> the sidecar.
    ``kind``: the sidecar's kind (``plate_colour`` for the colour classifier); ``grey``: share of crops turned grey."""
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    rng = np.random.default_rng(seed)
    t0 = time.time()
    data = data or ClassifierData()
    train_x, val = build_sets(data, size, seed)
    classes = data.classes
    sizes = ", ".join(f"{c} {len(x)}" for c, x in zip(classes, train_x, strict=True))
    vsizes = ", ".join(f"{v['name']} {len(v['x'])}" for v in val)
    log(f"data: {sizes}; val: {vsizes} ({time.time() - t0:.0f} s)")
    model = RegionClassifier(classes, size, widths)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps, pct_start=0.1)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    per = batch // len(classes)
    for step in range(steps):
        xs, ys = [], []
        for c, x in enumerate(train_x):
            for i in rng.integers(0, len(x), per):
                xs.append(augment(x[i], rng, grey))
                ys.append(c)
        loss = loss_fn(model.logits(torch.from_numpy(np.stack(xs))), torch.tensor(ys))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if (step + 1) % 250 == 0 or step + 1 == steps:
            acc = evaluate(model, val)
            log(f"step {step + 1}/{steps} loss {loss.item():.3f} " + " ".join(f"{k} {v:.3f}" for k, v in acc.items())
                + f" ({(time.time() - t0) / 60:.1f} min)")
    acc = evaluate(model, val)
    model.eval()
    export_onnx(model, torch.zeros(1, size[0], size[1], 3, dtype=torch.uint8), out_path, "probs")
    meta = {"kind": kind, "model": "region_classifier", "classes": list(classes),
            "input": {"height": size[0], "width": size[1], "layout": "NHWC", "dtype": "uint8", "channels": "RGB"},
            "crop_margin": 0.05, "params": param_count(model), "val_accuracy": acc,
            "trained": {"steps": steps, "batch": batch, "lr": lr, "seed": seed, "minutes": round((time.time() - t0) / 60, 1),
                        "synth_per_class": data.synth_per_class, "synth_difficulties": list(data.difficulties),
                        "widths": list(widths)}}
    with open(os.path.splitext(out_path)[0] + ".json", "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    return meta
