"""Benchmark the synthetic plate generator: crops/s in memory and written to disk, 1 and 2 processes.

    python scripts/bench_synth.py --n 2000 --formats cn-blue,cn-green,cn-yellow,ru
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import tempfile
import time


def _gen(args) -> int:
    import cv2

    from platekit.synth.generator import PlateSynth

    cv2.setNumThreads(1)
    formats, size, d, start, stop = args
    s = PlateSynth(formats, size, d, seed=0)
    t = time.process_time()
    for i in range(start, stop):
        s.sample_at(i)
    return time.process_time() - t  # CPU seconds of this process


def in_memory(n: int, procs: int, formats, size, d) -> tuple[float, float]:
    """-> (crops per wall-clock second, crops per CPU second of one core)."""
    _gen((formats, size, d, 0, 50))  # warm the glyph cache before forking
    chunks = [(formats, size, d, 50 + i * n // procs, 50 + (i + 1) * n // procs) for i in range(procs)]
    t = time.perf_counter()
    if procs == 1:
        cpu = [_gen(chunks[0])]
    else:
        with mp.get_context("fork").Pool(procs) as pool:
            cpu = pool.map(_gen, chunks)
    return n / (time.perf_counter() - t), n / sum(cpu)


def to_disk(n: int, procs: int, formats, size, d) -> float:
    from platekit.synth.generator import write_dataset

    out = tempfile.mkdtemp(prefix="bench_synth_")
    try:
        t = time.perf_counter()
        write_dataset(out, formats, n, 0, size, d, workers=procs)
        return n / (time.perf_counter() - t)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--formats", default="cn-blue")
    ap.add_argument("--size", default="144x48")
    ap.add_argument("--difficulty", type=float, default=0.5)
    a = ap.parse_args()
    size = tuple(int(v) for v in a.size.split("x"))
    formats = tuple(a.formats.split(","))
    print(f"n={a.n} formats={a.formats} size={a.size} difficulty={a.difficulty} cpus={os.cpu_count()} "
          f"load={os.getloadavg()[0]:.1f}")
    for procs in (1, 2):
        wall, per_cpu = in_memory(a.n, procs, formats, size, a.difficulty)
        print(f"{procs} process(es): in memory {wall:.0f} crops/s wall-clock ({per_cpu:.0f} crops per CPU-second "
              f"of one core), written as PNG + labels.csv {to_disk(a.n, procs, formats, size, a.difficulty):.0f} "
              f"crops/s wall-clock")


if __name__ == "__main__":
    main()
