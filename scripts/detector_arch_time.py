"""Graph time of detector architectures before training them (issue 19): random weights, the raw export.

Each variant of ``plate_detector`` (v7's arguments with some changed) is exported as the product exports a
detector (``export_detector(..., dynamic_hw=True)``: raw output, stride-32 canvas) and timed by onnxruntime
(1 thread, denormals flushed) on real CCPD scenes letterboxed as ``OnnxDetector`` does, all variants
interleaved scene by scene. Random weights give the cost, not the accuracy (the graph's time depends a little on
the pixels: real scenes, not noise).

    python scripts/detector_arch_time.py --scenes 30
"""

from __future__ import annotations

import argparse
import glob
import os
import tempfile
import time

import numpy as np

V7 = dict(backbone="mobilenetv4_conv_small", width=64, bifpn_repeats=2, head_convs=2, input_size=[384, 384],
          skip_blocks=["16.2", "16.3", "16.4", "32.2", "32.3", "32.4"], factorize_blocks=["4.0", "8.0"])
VARIANTS = {
    "v7": {},
    "bifpn1": dict(bifpn_repeats=1),
    "bifpn1_head1": dict(bifpn_repeats=1, head_convs=1),
    "width48": dict(width=48),
    "bifpn1_width48": dict(bifpn_repeats=1, width=48),
    "bifpn1_head1_skip16.1_32.1": dict(bifpn_repeats=1, head_convs=1, skip_blocks=V7["skip_blocks"] + ["16.1", "32.1"]),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                                                   "ccpd2019_base"))
    ap.add_argument("--scenes", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    import torch

    from platekit.core.image import load_image
    from platekit.evaluation.bench import machine, machine_line
    from platekit.export.detector import export_detector
    from platekit.inference.detector import OnnxDetector, letterbox
    from platekit.models.registry import create_model

    torch.set_num_threads(1)
    torch.manual_seed(0)
    files = sorted(glob.glob(os.path.join(a.data, "**", "*.jpg"), recursive=True))[: a.scenes]
    if not files:
        raise SystemExit(f"no .jpg scenes under {a.data}")
    dets, params = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, over in VARIANTS.items():
            m = create_model("plate_detector", **{**V7, **over}).eval()
            params[name] = sum(p.numel() for p in m.parameters())
            dets[name] = OnnxDetector(export_detector(m, os.path.join(tmp, f"{name}.onnx"), dynamic_hw=True))
    canvases = [letterbox(load_image(f), (384, 384), stride=32)[0][None] for f in files]
    ts: dict[str, list[float]] = {k: [] for k in dets}
    for _ in range(a.rounds):
        for x in canvases:
            for k, d in dets.items():
                t = time.perf_counter()
                d.session.run(None, {"image": x})
                ts[k].append((time.perf_counter() - t) * 1e3)
    print(machine_line(machine()))
    print(f"{len(canvases)} CCPD scenes x {a.rounds}, canvas {canvases[0].shape[1]}x{canvases[0].shape[2]}, graph only")
    print("| variant | params | graph ms p50 | speed vs v7 |\n|---|---|---|---|")
    base = float(np.median(ts["v7"]))
    for k, v in ts.items():
        print(f"| {k} | {params[k] / 1e6:.2f} M | {np.median(v):.2f} | {base / np.median(v):.2f}x |")


if __name__ == "__main__":
    main()
