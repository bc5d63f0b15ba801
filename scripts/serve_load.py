"""The HTTP service under load: 50 concurrent uploads of good photos mixed with decompression bombs,
/healthz polled throughout, then a 200 MB chunked upload.

    python scripts/serve_load.py                                   # this checkout
    python scripts/serve_load.py --workers 2 --max-concurrent 2    # serve options passed through
    PYTHONPATH=/old/src python scripts/serve_load.py --plain       # an older version (no new options)

Reports the server's peak memory (resident set of the server and its workers, sampled every 50 ms;
the server is killed above --kill-gb so a version without limits cannot take the machine down),
p50/p95 latency of good reads and of /healthz, status codes by payload, and for the chunked upload
how many bytes the server took before answering.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import cv2
import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _hostile import bmp_rle8, png_zeros, tiff_deflate, with_exif_orientation  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "src/platekit/samples/cn_sample.jpg"


def tree_rss_mb(pid: int) -> float:
    """Resident memory of pid and its children (Linux /proc)."""
    pids, total = [pid], 0
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            with open(f"/proc/{p}/task/{p}/children") as f:
                pids += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            pass
    return total / 1024


def payloads() -> dict[str, bytes]:
    jpg = SAMPLE.read_bytes()
    bgr = cv2.imread(str(SAMPLE))
    side = cv2.imencode(".jpg", np.ascontiguousarray(np.rot90(bgr, 1)))[1].tobytes()
    return {
        "good": jpg,
        "good_exif6": with_exif_orientation(side, 6),
        "bomb_bmp_rle8_30000": bmp_rle8(30000, 30000),
        "bomb_tiff_9000": tiff_deflate(9000, 9000),
        "big_png16_8900": png_zeros(8900, 8900, 16, 6),
    }


def plan(n: int) -> list[str]:
    """n requests: 1 in 25 a bomb (rotating kinds), 1 in 10 an EXIF-rotated photo, the rest good."""
    bombs = ["bomb_bmp_rle8_30000", "bomb_tiff_9000", "big_png16_8900"]
    out = []
    for i in range(n):
        out.append(bombs[(i // 25) % 3] if i % 25 == 12 else "good_exif6" if i % 10 == 3 else "good")
    return out


def chunked_upload(port: int, total: int = 200 * 1024 * 1024) -> dict:
    """Send a chunked multipart body of `total` bytes; stop when the server answers or closes."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
              b"Content-Type: multipart/form-data; boundary=b\r\n\r\n")
    head = b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    chunk = b"\0" * (1 << 20)
    sent, answer, t0 = 0, b"", time.perf_counter()
    s.settimeout(0.0)
    try:
        for part in [head] + [chunk] * (total // len(chunk)) + [b"\r\n--b--\r\n", b""]:
            data = (b"%x\r\n" % len(part) + part + b"\r\n") if part else b"0\r\n\r\n"
            view = memoryview(data)
            while view:
                try:
                    n = s.send(view)
                    view, sent = view[n:], sent + n
                except BlockingIOError:
                    time.sleep(0.001)
                try:
                    answer += s.recv(65536)
                except BlockingIOError:
                    pass
                if answer:
                    raise StopIteration
    except (StopIteration, OSError):
        pass
    s.settimeout(30)
    try:
        while b"\r\n\r\n" not in answer:
            more = s.recv(65536)
            if not more:
                break
            answer += more
    except OSError:
        pass
    s.close()
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "none"
    return {"status": status, "mb_sent_before_answer": round(sent / 2**20, 1), "seconds": round(time.perf_counter() - t0, 2)}


def pct(xs: list[float], q: float) -> float:
    return round(float(np.percentile(xs, q)), 1) if xs else float("nan")


async def load(port: int, data: dict[str, bytes], kinds: list[str], concurrency: int) -> dict:
    url = f"http://127.0.0.1:{port}"
    lat: dict[str, list[float]] = {}
    codes: Counter = Counter()
    texts: Counter = Counter()
    retries: Counter = Counter()
    health: list[float] = []
    done = asyncio.Event()
    queue = list(enumerate(kinds))
    limits = httpx.Limits(max_connections=concurrency + 2)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as c:

        async def poll_health():
            while not done.is_set():
                t0 = time.perf_counter()
                try:
                    ok = (await c.get("/healthz", timeout=30)).status_code == 200
                except httpx.HTTPError:
                    ok = False
                health.append((time.perf_counter() - t0) * 1e3 if ok else float("inf"))
                await asyncio.sleep(0.1)

        async def worker():
            while queue:
                i, kind = queue.pop(0)
                t0 = time.perf_counter()
                try:
                    while True:  # a polite client: wait Retry-After on 503, count the retries
                        r = await c.post("/v1/read", files={"image": (f"{i}_{kind}.jpg", data[kind], "image/jpeg")})
                        if r.status_code != 503 or "retry-after" not in r.headers:
                            break
                        retries[kind] += 1
                        await asyncio.sleep(float(r.headers["retry-after"]))
                    code = r.status_code
                    if code == 200 and kind.startswith("good"):
                        texts[r.json()["plates"][0]["text"] if r.json()["plates"] else "-"] += 1
                except httpx.HTTPError as e:
                    code = type(e).__name__
                codes[(kind, code)] += 1
                lat.setdefault(kind, []).append((time.perf_counter() - t0) * 1e3)

        poller = asyncio.create_task(poll_health())
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
        done.set()
        await poller
    good = lat.get("good", []) + lat.get("good_exif6", [])
    return {
        "requests": len(kinds), "wall_s": round(wall, 1),
        "good_ms_p50": pct(good, 50), "good_ms_p95": pct(good, 95),
        "healthz_ms_p50": pct(health, 50), "healthz_ms_p95": pct(health, 95),
        "healthz_ms_max": round(max(health), 1) if health else None, "healthz_polls": len(health),
        "codes": {f"{k} {c}": n for (k, c), n in sorted(codes.items(), key=str)},
        "texts": dict(texts), "retried_503": dict(retries),
        "errors_5xx_or_connection": sum(n for (k, c), n in codes.items() if not isinstance(c, int) or c >= 500),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--kill-gb", type=float, default=8.0, help="kill the server above this resident memory")
    ap.add_argument("--plain", action="store_true", help="start the server without the new options")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--max-concurrent", type=int, default=2)
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "platekit.cli.main", "serve", "--port", str(port)]
    if not args.plain:
        cmd += ["--workers", str(args.workers), "--max-concurrent", str(args.max_concurrent)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, killed, stop = [0.0], [False], threading.Event()

    def watch():
        while not stop.is_set() and server.poll() is None:
            peak[0] = max(peak[0], rss := tree_rss_mb(server.pid))
            if rss > args.kill_gb * 1024:
                killed[0] = True
                server.kill()
            time.sleep(0.05)

    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        idle = tree_rss_mb(server.pid)
        threading.Thread(target=watch, daemon=True).start()
        data = payloads()
        out = {"server": " ".join(cmd[3:]), "idle_rss_mb": round(idle)}
        out |= asyncio.run(load(port, data, plan(args.requests), args.concurrency))
        out["chunked_200mb"] = chunked_upload(port) if server.poll() is None else "server gone"
        out["peak_rss_mb"] = round(peak[0])
        out["killed_over_kill_gb"] = killed[0]
        out["load_avg"] = os.getloadavg()[0]
        out["cpu_count"] = os.cpu_count()
    finally:
        stop.set()
        server.terminate()
        server.wait(30)
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
