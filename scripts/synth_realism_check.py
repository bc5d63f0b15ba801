"""Realism check of the synthetic generator: a tiny slot CNN trained on synthetic cn-blue plates only
(1 thread, time-boxed), evaluated on all real CCPD2019 plates rectified by their labelled corners
(margin 0.06) at the same size. Prints plate accuracy on real and synthetic crops and the worst
per-position confusions.

    python scripts/synth_realism_check.py --minutes 14 --out runs/synth/runs/tiny4
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from platekit.core.ccpd import parse_ccpd_name
from platekit.core.formats import get_region
from platekit.core.geometry import rectify
from platekit.core.image import load_image
from platekit.core.tokenizer import SlotTokenizer
from platekit.synth import PlateSynth

DEFAULT_CCPD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "ccpd2019_base")


def _block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class TinySlotCNN(nn.Module):
    """uint8 [N, H, W, 3] -> logits [N, slots, classes]; 8 conv layers, 3 poolings, one linear head."""

    def __init__(self, h: int, w: int, n_slots: int, n_classes: int):
        super().__init__()
        self.s, self.c = n_slots, n_classes
        self.f = nn.Sequential(*_block(3, 32), *_block(32, 32), nn.MaxPool2d(2), *_block(32, 64), *_block(64, 64),
                               nn.MaxPool2d(2), *_block(64, 128), *_block(128, 128), nn.MaxPool2d(2),
                               *_block(128, 128))
        self.drop = nn.Dropout(0.2)
        self.head = nn.Linear(128 * (h // 8) * (w // 8), n_slots * n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x.permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.25
        return self.head(self.drop(self.f(x).flatten(1))).view(-1, self.s, self.c)


def evaluate(model: nn.Module, tok: SlotTokenizer, x: torch.Tensor, texts: list[str]) -> tuple[float, list[str]]:
    model.eval()
    preds: list[str] = []
    with torch.no_grad():
        for i in range(0, len(x), 256):
            preds += tok.decode(torch.softmax(model(x[i : i + 256]), -1).numpy())[0]
    model.train()
    return float(np.mean([p == t for p, t in zip(preds, texts, strict=True)])), preds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=14)
    ap.add_argument("--difficulty", type=float, default=0.5)
    ap.add_argument("--size", default="96x32")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ccpd", default=DEFAULT_CCPD)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    torch.manual_seed(a.seed)
    w, h = (int(v) for v in a.size.split("x"))
    os.makedirs(a.out, exist_ok=True)
    tok = SlotTokenizer.for_region(get_region("cn"))
    recs = [parse_ccpd_name(f) for f in sorted(glob.glob(os.path.join(a.ccpd, "*.jpg")))]
    if not recs:
        raise SystemExit(f"no CCPD images in {a.ccpd}")
    xr = torch.from_numpy(np.stack([rectify(load_image(r.path), r.corners_array(), (w, h), 0.06) for r in recs]))
    tr = [r.text for r in recs]
    sv = PlateSynth("cn-blue", (w, h), a.difficulty, seed=12345)
    xs_, ts = zip(*[sv.sample_at(i)[:2] for i in range(500)], strict=True)
    xs = torch.from_numpy(np.stack(xs_))

    model = TinySlotCNN(h, w, tok.n_slots, tok.num_classes)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    synth = PlateSynth("cn-blue", (w, h), a.difficulty, seed=a.seed)
    t0, step, budget = time.time(), 0, a.minutes * 60
    log = open(os.path.join(a.out, "log.txt"), "w")  # noqa: SIM115
    while (frac := (time.time() - t0) / budget) < 1:
        # warm-up then cosine decay over the time budget (robust to a shared, loaded CPU)
        lr = a.lr * (frac / 0.05 if frac < 0.05 else 0.5 * (1 + math.cos(math.pi * (frac - 0.05) / 0.95)))
        for g in opt.param_groups:
            g["lr"] = lr
        batch = [synth.sample_at(step * a.batch + j) for j in range(a.batch)]
        x = torch.from_numpy(np.stack([b[0] for b in batch]))
        y = torch.from_numpy(tok.encode([b[1] for b in batch])).long()
        loss = F.cross_entropy(model(x).reshape(-1, tok.num_classes), y.reshape(-1), label_smoothing=0.05)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 200 == 0:
            ra, _ = evaluate(model, tok, xr, tr)
            sa, _ = evaluate(model, tok, xs, list(ts))
            msg = f"step {step} t {time.time() - t0:.0f}s loss {loss.item():.3f} real {ra:.4f} synth {sa:.4f}"
            print(msg, flush=True)
            log.write(msg + "\n")
            log.flush()
    ra, preds = evaluate(model, tok, xr, tr)
    sa, _ = evaluate(model, tok, xs, list(ts))
    res = {"steps": step, "minutes": round((time.time() - t0) / 60, 1), "real_plate_acc": ra,
           "synth_plate_acc": sa, "n_real": len(tr), "difficulty": a.difficulty, "size": a.size}
    print(json.dumps(res))
    log.write(json.dumps(res) + "\n")
    conf: collections.Counter = collections.Counter()
    pos = np.zeros(tok.n_slots, int)
    for t, p in zip(tr, preds, strict=True):
        for i, (c1, c2) in enumerate(zip(t, p.ljust(len(t)), strict=False)):
            if c1 != c2:
                pos[i] += 1
                conf[(c1, c2)] += 1
    print("errors per position", pos.tolist())
    print("top confusions (true, predicted)", conf.most_common(12))
    torch.save(model.state_dict(), os.path.join(a.out, "model.pt"))


if __name__ == "__main__":
    main()
