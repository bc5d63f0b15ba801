"""Evaluate a recognizer (.ckpt / .pt checkpoint or exported .onnx) on labelled plates.

Report: plate accuracy, CER, per-slot accuracy, accuracy at confidence thresholds with coverage,
accuracy at fixed coverages, top confusions, subsets (format, first character), speed; plus a
coverage-accuracy curve PNG and an error gallery PNG (the most confident wrong reads first).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

import numpy as np

from platekit.errors import PlatekitError
from platekit.evaluation import metrics as M  # noqa: N812


@dataclass
class LoadedRecognizer:
    """A uniform predictor over torch checkpoints and ONNX models: uint8 crops -> probs."""

    kind: str  # torch | onnx
    obj: object
    input_size: tuple[int, int]  # H, W
    region: str
    decoder: str
    crop_margin: float
    params: int | None
    name: str
    alphabet: str | None = None  # the model's own (an older cn reader's is shorter than the region's)

    @property
    def region_spec(self):
        from platekit.core.formats import get_region

        r = get_region(self.region)
        return r.for_alphabet(self.alphabet) if self.alphabet else r

    def probs(self, x: np.ndarray, batch: int = 64) -> np.ndarray:
        if self.kind == "onnx":
            sess, inp = self.obj
            return np.concatenate([sess.run(None, {inp: x[i : i + batch]})[0] for i in range(0, len(x), batch)])
        import torch

        out = []
        with torch.inference_mode():
            for i in range(0, len(x), batch):
                out.append(self.obj(torch.from_numpy(x[i : i + batch])).float().softmax(-1).numpy())
        return np.concatenate(out)

    def decode(self, probs: np.ndarray, constrained: bool = True):
        from platekit.core.ctc_decode import ctc_decode_constrained
        from platekit.core.tokenizer import CTCTokenizer, SlotTokenizer

        r = self.region_spec
        if self.decoder == "slots":
            tok = SlotTokenizer.for_region(r)
            return tok.decode_constrained(probs, r)[:2] if constrained else tok.decode(probs)
        tok = CTCTokenizer.for_region(r)
        return ctc_decode_constrained(probs, r)[:2] if constrained else tok.decode(probs)


def load_recognizer(path: str, threads: int = 1) -> LoadedRecognizer:
    if not os.path.isfile(path):
        raise PlatekitError(f"no such model file: {path}")
    if path.endswith(".onnx"):
        from platekit.inference.session import load_sidecar, make_session

        meta = load_sidecar(path)
        sess = make_session(path, threads)
        inp = meta["input"]
        return LoadedRecognizer("onnx", (sess, sess.get_inputs()[0].name), (int(inp["height"]), int(inp["width"])),
                                meta["region"], meta["decoder"], float(meta.get("crop_margin", 0.0)),
                                meta.get("params"), os.path.basename(path), meta.get("alphabet"))
    import torch

    from platekit.models.registry import load_checkpoint

    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    try:
        model, meta = load_checkpoint(path)
    except (ValueError, KeyError, RuntimeError) as e:
        raise PlatekitError(f"{path}: cannot load checkpoint ({e})") from None
    params = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("mae_decoder."))
    return LoadedRecognizer("torch", model, tuple(model.input_size), model.region, model.decoder,
                            float(meta.get("crop_margin", 0.0)), params, os.path.basename(path),
                            getattr(model, "alphabet", None))


def synthetic_set(spec: str, size: tuple[int, int], margin: float, n: int, seed: int, difficulty: float):
    """``synth:cn-blue,cn-green`` -> (crops, texts) from the synthetic generator."""
    from platekit.synth.generator import PlateSynth

    fmts = tuple(f for f in spec.split(":", 1)[1].split(",") if f)
    gen = PlateSynth(formats=fmts, size=size, difficulty=difficulty, seed=seed, crop_margin=margin)
    rng = np.random.default_rng(seed)
    rows = [gen.sample(rng)[:2] for _ in range(n)]
    return np.stack([r[0] for r in rows]), [r[1] for r in rows]


def evaluate(rec: LoadedRecognizer, crops: np.ndarray, texts: list[str], constrained: bool = True,
             out_dir: str | None = None, title: str = "", speed_n: int = 100) -> dict:
    """Metrics of ``rec`` on crops (uint8 [N, H, W, 3] at the model size) -> report dict (+ PNGs)."""

    t0 = time.perf_counter()
    probs = rec.probs(crops)
    batch_ms = (time.perf_counter() - t0) * 1000 / max(1, len(crops))
    preds, cps = rec.decode(probs, constrained)
    conf = np.array([float(np.prod(c)) if len(c) else 0.0 for c in cps])
    correct = np.array([p == t for p, t in zip(preds, texts, strict=True)])
    # batch-1 latency (model only)
    k = min(speed_n, len(crops))
    for i in range(min(5, k)):
        rec.probs(crops[i : i + 1])
    t0 = time.perf_counter()
    for i in range(k):
        rec.probs(crops[i : i + 1])
    ms1 = (time.perf_counter() - t0) * 1000 / max(1, k)
    r = rec.region_spec
    subsets: dict[str, dict] = {}
    for name, mask in _subsets(texts, r).items():
        if mask.any():
            subsets[name] = {"n": int(mask.sum()), "plate_acc": float(correct[mask].mean())}
    cov, acc = M.coverage_curve(conf, correct)
    report = {
        "model": rec.name, "n": len(texts), "constrained": constrained,
        "plate_acc": float(correct.mean()), "cer": M.cer(preds, texts),
        "per_slot_acc": M.per_slot_accuracy(preds, texts, r.n_slots),
        "acc_at_thresholds": M.accuracy_at_thresholds(conf, correct),
        "acc_at_coverage": {str(c): M.accuracy_at_coverage(conf, correct, c) for c in (0.5, 0.8, 0.9, 0.95, 0.99, 1.0)},
        "top_confusions": M.top_confusions(preds, texts),
        "subsets": subsets,
        "ms_per_crop_batch1": round(ms1, 3), "ms_per_crop_batched": round(batch_ms, 3),
        "params": rec.params,
        "errors": [{"truth": t, "pred": p, "conf": round(float(c), 4)}
                   for p, t, c, ok in zip(preds, texts, conf, correct, strict=True) if not ok][:200],
    }
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        report["coverage_png"] = _plot_coverage(cov, acc, os.path.join(out_dir, "coverage_accuracy.png"), title)
        report["gallery_png"] = _gallery(crops, preds, texts, conf, correct, os.path.join(out_dir, "errors.png"))
        with open(os.path.join(out_dir, "report.json"), "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2, ensure_ascii=False)
    return report


def _subsets(texts: list[str], region) -> dict[str, np.ndarray]:
    out = {}
    fmts = [region.guess_format(t) for t in texts]
    for f in {x.name for x in fmts if x is not None}:
        out[f"format={f}"] = np.array([x is not None and x.name == f for x in fmts])
    if region.name == "cn":
        first = np.array([t[:1] == "皖" for t in texts])
        out["first=皖"] = first
        out["first!=皖"] = ~first
    return out


def _cjk_font():
    try:
        from matplotlib.font_manager import FontProperties

        from platekit.core.fonts import find_font

        return FontProperties(fname=find_font("cjk"))
    except Exception:  # no CJK font: labels may show boxes, the numbers are unaffected
        return None


def _plot_coverage(cov: np.ndarray, acc: np.ndarray, path: str, title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=120)
    ax.plot(cov, acc, lw=2)
    ax.set_xlabel("coverage (most confident reads kept)")
    ax.set_ylabel("plate accuracy of the kept reads")
    ax.set_ylim(max(0.0, float(acc.min()) - 0.02), 1.002)
    ax.grid(alpha=0.3)
    ax.set_title(title or "coverage - accuracy", fontproperties=_cjk_font())
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _gallery(crops, preds, texts, conf, correct, path: str, n: int = 24) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wrong = np.flatnonzero(~correct)
    if len(wrong) == 0:
        return None
    wrong = wrong[np.argsort(-conf[wrong])][:n]  # the most confident mistakes are the worst
    cols = 4
    rows = (len(wrong) + cols - 1) // cols
    fp = _cjk_font()
    if fp is not None:
        fp.set_size(7)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 2.6, rows * 1.25), dpi=110, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong, strict=False):
        ax.imshow(crops[i])
        ax.set_title(f"{preds[i]} ({conf[i]:.2f})\ntruth {texts[i]}", fontsize=7, fontproperties=fp, color="crimson")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
