"""End-to-end time of today's code against an older commit's, interleaved image by image in one run (issue 19).

Each commit runs in its own long-lived worker process (its own ``src`` on PYTHONPATH, this venv's libraries,
its own shipped weights, 1 thread, default ``Reader``); the parent sends the same image path to each worker in turn
(alternating which goes first) and each worker times ``Reader.read_result(path)``: file read + JPEG decode +
detect + rectify + read, wall clock. The older commit is checked out with ``git worktree`` (nothing else changes).

    python scripts/speed_vs_commit.py ../shared/data/ccpd2019_base 87708c8^ --n 342
      # 87708c8^ = main when issue 19 was filed (detector v2 384x384, rec_cn v4 int8)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

WORKER = r"""
import json, sys, time, os
os.environ.setdefault("OMP_NUM_THREADS", "1")
import platekit
from platekit import Reader
r = Reader(threads=1)
print(json.dumps({"ready": platekit.__file__}), flush=True)
for line in sys.stdin:
    path = line.strip()
    t0 = time.perf_counter()
    res, stages = r.read_result(path)
    ms = (time.perf_counter() - t0) * 1e3
    print(json.dumps({"ms": ms, "stages": stages, "texts": [p.text for p in res.plates]}), flush=True)
"""


def worker(src: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1"}
    p = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                         env=env, cwd=os.path.dirname(src))
    line = p.stdout.readline()
    if not line:
        p.kill()
        raise SystemExit(f"worker for {src} did not start (its stderr is above)")
    ready = json.loads(line)["ready"]
    if not ready.startswith(src):
        p.kill()
        raise SystemExit(f"worker for {src} imported platekit from {ready}")
    print(f"worker {src}: {ready}", flush=True)
    return p


def ask(p: subprocess.Popen, path: str) -> dict:
    p.stdin.write(path + "\n")
    p.stdin.flush()
    return json.loads(p.stdout.readline())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", help="CCPD folder (its by-text val split is used)")
    ap.add_argument("commit", help="the older commit, e.g. 87708c8^")
    ap.add_argument("--n", type=int, default=200, help="scenes (the first n of the val split)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from platekit.data.readers import load_plates
    from platekit.data.split import split_by_text

    _, val = split_by_text(load_plates(a.data), 0.2)
    items = [(s.image_path, s.text) for s in val][: a.n]
    tmp = tempfile.mkdtemp(prefix="platekit_old_")
    workers: dict[str, subprocess.Popen] = {}
    try:
        r = subprocess.run(["git", "-C", repo, "worktree", "add", "--detach", tmp, a.commit], capture_output=True, text=True)
        if r.returncode:
            raise SystemExit(f"git worktree add {a.commit} failed: {r.stderr.strip()}")
        old_sha = subprocess.run(["git", "-C", tmp, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        workers["now"] = worker(os.path.join(repo, "src"))
        workers[f"old {old_sha}"] = worker(os.path.join(tmp, "src"))
        names = list(workers)
        for path, _ in items[: a.warmup]:
            for n in names:
                ask(workers[n], path)
        ms = {n: [] for n in names}
        stages = {n: {} for n in names}
        right = {n: 0 for n in names}
        for i, (path, text) in enumerate(items):
            for n in names if i % 2 == 0 else names[::-1]:
                r = ask(workers[n], path)
                ms[n].append(r["ms"])
                for k, v in r["stages"].items():
                    stages[n].setdefault(k, []).append(v)
                right[n] += text in r["texts"]
        for p in workers.values():
            p.stdin.close()
            p.wait()
    finally:
        for p in workers.values():
            if p.poll() is None:
                p.kill()
        subprocess.run(["git", "-C", repo, "worktree", "remove", "--force", tmp], check=False, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    out = {n: {"p50_ms": round(float(np.median(ms[n])), 2), "p95_ms": round(float(np.percentile(ms[n], 95)), 2),
               "exact": f"{right[n]}/{len(items)}",
               "stages_p50_ms": {k: round(float(np.median(v)), 2) for k, v in stages[n].items()}} for n in names}
    ratio = out[names[1]]["p50_ms"] / out[names[0]]["p50_ms"]
    print(f"{len(items)} scenes, interleaved, 1 thread: " + json.dumps(out))
    print(f"old / now (median end to end): {ratio:.2f}x")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({**out, "ratio": round(ratio, 3), "n": len(items)}, f, indent=1)


if __name__ == "__main__":
    main()
