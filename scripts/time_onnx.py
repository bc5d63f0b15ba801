"""Median ONNX graph latency at batch 1 (platekit's session settings: 1 thread, denormals flushed).

    python scripts/time_onnx.py MODEL.onnx [MODEL2.onnx ...] [--runs 1000] [--repeats 3]

Random uint8 input of the model's input size; every model is timed ``--repeats`` times, interleaved
per repeat, after 100 warm-up runs; prints the median ms of each repeat.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from platekit.inference.session import make_session

    res: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        for path in args.models:
            sess = make_session(path, 1)
            inp = sess.get_inputs()[0]
            shape = [1 if not isinstance(d, int) else d for d in inp.shape]
            x = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
            for _ in range(100):
                sess.run(None, {inp.name: x})
            ts = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                sess.run(None, {inp.name: x})
                ts.append(time.perf_counter() - t0)
            res.setdefault(path, []).append(float(np.median(ts)) * 1000)
    for path, ms in res.items():
        print(f"{path}: " + " / ".join(f"{m:.3f}" for m in ms) + " ms")


if __name__ == "__main__":
    main()
