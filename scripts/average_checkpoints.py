"""Weight-space average of two fine-tunes of one network (WiSE-FT: Wortsman et al. 2022, "Robust fine-tuning of
zero-shot models"): theta = alpha * A + (1 - alpha) * B, every float tensor, BatchNorm running statistics included.

A fine-tune that learns something new (B) often loses a little of what its starting point (A) did well; the
average of the two, when B was fine-tuned from A (one loss basin), tends to keep both. Recognizers: A is loaded
into B's network with ``init_from_checkpoint``, so A may have an older, shorter alphabet (its class rows are moved
by character, new characters start from A's OOV row). Detectors (or any two checkpoints of one network): the
tensors are matched by name (a Lightning checkpoint's "model." prefix ignored). The result has B's format.

    python scripts/average_checkpoints.py runs/rec/cn_v7_recovered.pt runs/rec/cn_v8c/best.pt 0.5 runs/rec/cn_v8_avg50.pt
    platekit export runs/rec/cn_v8_avg50.pt -o runs/rec/cn_v8_avg50/rec_cn.onnx
    python scripts/average_checkpoints.py runs/det/v7_closeup/last.ckpt runs/det/v9_onplates_f/last.ckpt 0.5 \
        runs/det/v9_avg/last.ckpt
"""

from __future__ import annotations

import sys

import torch


def _weights(ck: dict) -> dict:
    state = ck.get("state_dict", ck)
    return {k[len("model."):] if k.startswith("model.") else k: v for k, v in state.items()}


def average_any(a_path: str, b_path: str, alpha: float, out: str) -> None:
    """Two checkpoints of one network, matched by tensor name; the output keeps B's file layout."""
    import os

    ca, cb = (torch.load(p, map_location="cpu", weights_only=False) for p in (a_path, b_path))
    wa = _weights(ca)
    state = cb.get("state_dict", cb)
    for k, v in state.items():
        name = k[len("model."):] if k.startswith("model.") else k
        if name not in wa or wa[name].shape != v.shape:
            raise SystemExit(f"{a_path} has no tensor {name} of shape {tuple(v.shape)}: not the same network")
        if v.is_floating_point():
            state[k] = alpha * wa[name] + (1 - alpha) * v
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    torch.save(cb, out)
    print(f"{out}: {alpha} x {a_path} + {1 - alpha:.2f} x {b_path} ({len(state)} tensors)")


def main(a_path: str, b_path: str, alpha: float, out: str) -> None:
    from platekit.models.registry import load_checkpoint, save_checkpoint

    cb = torch.load(b_path, map_location="cpu", weights_only=False)
    if "detector" in (cb.get("kind"), cb.get("platekit", {}).get("kind")):
        return average_any(a_path, b_path, alpha, out)
    from platekit.train.recognizer import init_from_checkpoint

    b, meta = load_checkpoint(b_path)
    a, _ = load_checkpoint(b_path)  # B's network ...
    loaded, total = init_from_checkpoint(a, a_path)  # ... holding A's weights
    if loaded != total:
        raise SystemExit(f"{a_path}: only {loaded} of {total} tensors fit {b_path}'s network")
    sa, sb = a.state_dict(), b.state_dict()
    avg = {k: (alpha * sa[k] + (1 - alpha) * sb[k]) if sb[k].is_floating_point() else sb[k] for k in sb}
    b.load_state_dict(avg)
    measured = ("metrics", "val_plate_acc", "train_minutes", "kept")  # B's numbers, not the average's
    keep = {k: v for k, v in meta.items() if k not in ("model_name", "model_args", "state_dict", *measured)}
    save_checkpoint(out, b, **keep, averaged=f"{alpha} x {a_path} + {1 - alpha} x {b_path}")
    print(f"{out}: {alpha} x {a_path} + {1 - alpha:.2f} x {b_path} ({total} tensors)")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    torch.set_grad_enabled(False)
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4])
