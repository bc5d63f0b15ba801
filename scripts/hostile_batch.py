"""Build a folder of about 1,000 hostile and odd inputs and read it with ONE ``platekit read`` run.

    python scripts/hostile_batch.py --out /tmp/hostile            # build + read + report
    PYTHONPATH=/path/to/other/src python scripts/hostile_batch.py --out /tmp/hostile --no-build   # another version

Inputs: good scenes in every format (JPEG, PNG 8/16-bit, RGBA, grey, BMP, GIF, WebP, TIFF, EXIF
orientations 1-8, non-UTF-8 and odd names), decompression bombs (BMP RLE8, GIF, TIFF deflate, WebP,
JPEG, PNG; real ones that decode to gigabytes), an 8900x8900 16-bit RGBA PNG under the pixel limit,
FIFOs, a symlink to /dev/zero and /dev/null, a socket, dangling and looping symlinks, a directory
named .jpg, empty / 1-byte / text / random files, JPEGs and PNGs cut at many points, junk-filled
JPEGs (FF D8 + 10 MB of zeros), a sparse 101 MB file, fake and FIFO videos.

Checks: exactly one JSON line per input, every good image read (a plate found), valid UTF-8, no
traceback, no hang (--timeout), and the peak memory of the reading process (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _hostile import bmp_rle8, gif_screen, jpeg_sof, png_zeros, tiff_deflate, webp_vp8x, with_exif_orientation  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "src/platekit/samples/cn_sample.jpg"
ORIENT = {1: lambda a: a, 2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
          5: lambda a: a.transpose(1, 0, 2), 6: lambda a: np.rot90(a, 1), 7: lambda a: np.rot90(a[::-1], 1),
          8: lambda a: np.rot90(a, -1)}  # the stored pixels that each EXIF orientation turns upright


def enc(ext: str, bgr: np.ndarray, *params: int) -> bytes:
    ok, buf = cv2.imencode(ext, bgr, list(params))
    assert ok, ext
    return buf.tobytes()


def build(out: Path) -> dict[str, str]:
    """-> {file name: kind}; kind 'good' must be read with a plate, the others must give an error line."""
    out.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}
    rng = np.random.default_rng(0)
    bgr = cv2.imread(str(SAMPLE))
    jpg = SAMPLE.read_bytes()

    def put(name: str | bytes, data: bytes, kind: str) -> None:
        path = os.path.join(os.fsencode(out), os.fsencode(name))
        with open(path, "wb") as f:
            f.write(data)
        kinds[os.fsdecode(name)] = kind

    # good scenes in every format / depth / orientation, 400 inputs
    goods = {".jpg": enc(".jpg", bgr, cv2.IMWRITE_JPEG_QUALITY, 92), ".png": enc(".png", bgr),
             ".bmp": enc(".bmp", bgr), ".webp": enc(".webp", bgr, cv2.IMWRITE_WEBP_QUALITY, 95),
             ".tif": enc(".tif", bgr), ".gif": enc(".gif", bgr),
             "_16.png": enc(".png", bgr.astype(np.uint16) * 257),
             "_rgba.png": enc(".png", np.dstack([bgr, np.full(bgr.shape[:2], 255, np.uint8)])),
             "_grey.png": enc(".png", cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))}
    for o, f in ORIENT.items():
        goods[f"_exif{o}.jpg"] = with_exif_orientation(enc(".jpg", np.ascontiguousarray(f(bgr)), cv2.IMWRITE_JPEG_QUALITY, 92), o)
    i = 0
    while i < 400:
        for suffix, data in goods.items():
            put(f"good_{i:03d}{suffix}", data, "good")
            i += 1
    put(b"good_bad\xffname.jpg", jpg, "good")
    put(b"good_latin1_\xe9t\xe9.jpg", jpg, "good")
    put("good_name with \"quotes\" \\ and\nnewline.jpg", jpg, "good")
    put("good_" + "x" * 240 + ".jpg", jpg, "good")
    put("good_皖A12345.jpg", jpg, "good")
    put("good_damaged_junk.jpg", jpg[:20] + b"\x01\x02\x03\x04" + jpg[20:], "good")
    put("good_truncated.jpg", jpg[: len(jpg) * 3 // 4], "good")  # read as far as it goes, with a warning

    # decompression bombs: real ones (they decode to gigabytes) and header-only ones
    t0 = time.perf_counter()
    put("bomb_rle8_30000.bmp", bmp_rle8(30000, 30000), "bomb")
    put("bomb_rle8_9500.bmp", bmp_rle8(9500, 9500), "bomb")
    put("bomb_screen_20000.gif", gif_screen(20000, 20000), "bomb")
    put("bomb_deflate_9000.tif", tiff_deflate(9000, 9000), "bomb")
    put("bomb_zeros_20000.png", png_zeros(20000, 20000, 8, 0), "bomb")
    put("bomb_canvas_16383.webp", webp_vp8x(16383, 16383), "bomb")
    put("bomb_real_12000.webp", enc(".webp", np.zeros((12000, 12000, 3), np.uint8), cv2.IMWRITE_WEBP_QUALITY, 101), "bomb")
    put("bomb_sof_20000.jpg", jpeg_sof(20000, 20000), "bomb")
    put("bomb_sof_65535.jpg", jpeg_sof(65535, 65535), "bomb")
    put("under_limit_8900_rgba16.png", png_zeros(8900, 8900, 16, 6), "big")  # 79 M pixels: decoded, no plate
    print(f"bombs built in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    # things that are not regular files, or not there
    os.mkfifo(out / "fifo.jpg")
    os.mkfifo(out / "fifo.mp4")
    os.symlink("/dev/zero", out / "devzero.jpg")
    os.symlink("/dev/null", out / "devnull.png")
    os.symlink(out / "nowhere.jpg", out / "dangling.jpg")
    os.symlink(out / "loop_b.jpg", out / "loop_a.jpg")
    os.symlink(out / "loop_a.jpg", out / "loop_b.jpg")
    (out / "dir.jpg").mkdir()
    kinds.update({n: "bad" for n in ("fifo.jpg", "fifo.mp4", "devzero.jpg", "devnull.png", "dangling.jpg",
                                     "loop_a.jpg", "loop_b.jpg")})
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(out / "socket.png"))
    sock.close()
    kinds["socket.png"] = "bad"
    with open(out / "sparse_101mb.jpg", "wb") as f:  # over the 100 MB file limit, no disk used
        f.write(jpg[:100])
        f.truncate(101 * 1024 * 1024)
    kinds["sparse_101mb.jpg"] = "bad"

    # junk: empty, tiny, text, random, cut, junk-filled JPEGs, fake video
    put("empty.jpg", b"", "bad")
    put("one_byte.png", b"\x89", "bad")
    put("text.jpg", b"this is not a picture\n", "bad")
    put("fake.mp4", b"not a video at all", "bad")
    put("ffd8_zeros_10mb.jpg", b"\xff\xd8" + bytes(10_000_000), "bad")
    put("ffd8_ff_10mb.jpg", b"\xff\xd8" + b"\xff" * 10_000_000, "bad")
    put("ffd8_segments_10mb.jpg", b"\xff\xd8" + b"\xff\xfe\x00\x02" * 2_500_000, "bad")
    for k in range(250):
        ext = [".jpg", ".png", ".bmp", ".webp", ".tif", ".gif"][k % 6]
        put(f"random_{k:03d}{ext}", rng.integers(0, 256, int(rng.integers(1, 20000)), dtype=np.uint8).tobytes(), "bad")
    png = goods[".png"]
    for k in range(100):  # cut at many points: early cuts fail, late JPEG cuts are read with a warning
        cut = int(len(jpg) * (k + 1) / 101)
        put(f"cut_{k:03d}.jpg", jpg[:cut], "cut")
        put(f"cut_{k:03d}.png", png[: int(len(png) * (k + 1) / 101)], "bad")
    for k in range(100):  # a header byte flipped: read or refused, never a crash
        b = bytearray(jpg)
        b[int(rng.integers(2, 600))] ^= 0xFF
        put(f"flipped_{k:02d}.jpg", bytes(b), "any")
    return kinds


def run(out: Path, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "platekit.cli.main", "read", str(out), "--format", "jsonl"]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return {"hung": True, "seconds": timeout, "lines": len((e.stdout or b"").splitlines())}
    return {"hung": False, "seconds": time.perf_counter() - t0, "rc": proc.returncode, "stdout": proc.stdout,
            "stderr": proc.stderr, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def report(kinds: dict[str, str], res: dict) -> dict:
    if res["hung"]:
        return {"inputs": len(kinds), "hung_after_s": res["seconds"], "lines_before_hang": res["lines"]}
    lines = res["stdout"].splitlines()
    invalid_utf8 = 0
    recs = []
    for line in lines:
        try:
            recs.append(json.loads(line.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError):
            invalid_utf8 += 1
    by = {os.path.basename(r["image"]): r for r in recs}
    good = [n for n, k in kinds.items() if k == "good"]
    read = [n for n in good if n in by and "error" not in by[n] and by[n]["plates"]]
    exact = [n for n in read if by[n]["plates"][0]["text"] == "皖XCDLNH"]
    errors = Counter(by[n]["error"].split(": ", 1)[-1].split(" (")[0] for n in by if "error" in by[n])
    return {
        "inputs": len(kinds), "lines": len(lines), "invalid_lines": invalid_utf8,
        "missing": sorted(set(kinds) - set(by))[:10], "good": len(good), "good_read": len(read),
        "good_exact_text": len(exact), "bombs_refused": sum("too large" in by.get(n, {}).get("error", "")
                                                             for n, k in kinds.items() if k == "bomb"),
        "bombs": sum(k == "bomb" for k in kinds.values()),
        "warnings": sum("warnings" in r for r in recs), "traceback": b"Traceback" in res["stderr"],
        "exit_code": res["rc"], "seconds": round(res["seconds"], 1), "peak_rss_mb": round(res["peak_mb"]),
        "errors": dict(errors.most_common()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("/tmp/platekit_hostile"))
    ap.add_argument("--no-build", action="store_true", help="reuse the folder (kinds.json) built before")
    ap.add_argument("--timeout", type=float, default=1200.0, help="seconds before the run counts as hung")
    ap.add_argument("--exclude", default="", help="comma-separated name prefixes to delete first (e.g. fifo,devzero "
                    "to measure a version that hangs on them)")
    args = ap.parse_args()
    if args.no_build:
        kinds = json.loads((args.out.parent / (args.out.name + "_kinds.json")).read_text())
    else:
        kinds = build(args.out)
        (args.out.parent / (args.out.name + "_kinds.json")).write_text(json.dumps(kinds))
    for prefix in filter(None, args.exclude.split(",")):
        for name in [n for n in kinds if n.startswith(prefix)]:
            os.unlink(args.out / name)
            del kinds[name]
    print(json.dumps(report(kinds, run(args.out, args.timeout)), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
