"""Benchmark of the end-to-end reader on CCPD validation scenes (no torch).

Every report starts with ``machine()``: the CPU model, the instruction-set flags that change which
kernels onnxruntime and OpenCV run (avx2, avx512f, avx512_vnni, avx_vnni; asimd, asimddp, i8mm, sve on
ARM) and the library versions, because a number measured on one CPU is only that CPU's number.

Per-stage latency (decode, detect, rectify, read) p50/p95 at several thread counts, plates per
second, exact-plate accuracy; the model-zoo table (model, MB, params, ms, accuracy); optionally
the generic-OCR baseline RapidOCR (``rapidocr-onnxruntime``, dev extra) on the same images.
"""

from __future__ import annotations

import glob
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from platekit.core.ccpd import CCPDParseError, CCPDRecord, parse_ccpd_name
from platekit.core.geometry import box_iou, rectify
from platekit.core.image import load_image
from platekit.data.split import split_by_text
from platekit.errors import PlatekitError
from platekit.inference.reader import STAGES, Reader

# flags that select different int8 / float kernels in onnxruntime (MLAS) and OpenCV
X86_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8")
ARM_FLAGS = ("asimd", "asimddp", "i8mm", "sve", "sve2", "bf16")  # /proc/cpuinfo 'Features'


def machine() -> dict:
    """CPU model, the relevant instruction-set flags present/absent, core count, library versions."""
    import platform

    import onnxruntime

    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, val = line.partition(":")
                key = key.strip().lower()
                if key in ("model name", "cpu model", "hardware") and model in ("", platform.machine(), "x86_64"):
                    model = val.strip() or model
                elif key in ("flags", "features") and not flags:
                    flags = set(val.split())
    except OSError:  # not Linux: the flags stay unknown
        pass
    return {"cpu": model, "arch": platform.machine(), "cpus": os.cpu_count(),
            "flags": {f: f in flags for f in (ARM_FLAGS if "asimd" in flags else X86_FLAGS)} if flags else "unknown",
            "onnxruntime": onnxruntime.__version__, "opencv": cv2.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def machine_line(m: dict) -> str:
    """One line for reports: 'AMD EPYC (x86_64, 2 CPUs; avx2 yes, avx512f no, ...); onnxruntime ...'."""
    fl = m["flags"]
    flags = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in fl.items()) if isinstance(fl, dict) else "flags unknown"
    return (f"{m['cpu']} ({m['arch']}, {m['cpus']} CPUs; {flags}); onnxruntime {m['onnxruntime']}, "
            f"OpenCV {m['opencv']}, numpy {m['numpy']}, Python {m['python']}")


def val_records(data_dir: str | os.PathLike, val_fraction: float = 0.2) -> list[CCPDRecord]:
    """The project's by-text validation split of a CCPD folder (sorted by path)."""
    files = sorted(glob.glob(os.path.join(str(data_dir), "**", "*.jpg"), recursive=True))
    recs = []
    for f in files:
        try:
            recs.append(parse_ccpd_name(f))
        except (CCPDParseError, ValueError):
            continue
    if not recs:
        raise PlatekitError(f"{data_dir}: no CCPD-named .jpg files found")
    return split_by_text(recs, val_fraction)[1]


def pct(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, np.float64), q)) if len(values) else float("nan")


def match(plates, rec: CCPDRecord, iou_thr: float = 0.5) -> tuple[bool, bool, str | None, int]:
    """-> (detected: a plate with IoU >= thr, exact: that plate's text equals the label, its text,
    extra: how many plates lie away from the label (IoU < thr): false or unlabelled plates)."""
    if not plates:
        return False, False, None, 0
    iou = box_iou(np.array([p.box for p in plates]), np.array([rec.box]))[:, 0]
    i, extra = int(iou.argmax()), int((iou < iou_thr).sum())
    if iou[i] < iou_thr:
        return False, False, None, extra
    return True, plates[i].text == rec.text, plates[i].text, extra


@dataclass
class RunStats:
    threads: int
    n: int = 0
    plates: int = 0
    detected: int = 0
    exact: int = 0
    extra: int = 0  # plates read away from the labelled plate (IoU < 0.5): false or unlabelled plates
    stage_ms: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    total_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # process CPU time: what the reader itself used
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        s = {"threads": self.threads, "images": self.n}
        for k, v in self.stage_ms.items():
            s[f"{k}_p50"], s[f"{k}_p95"] = pct(v, 50), pct(v, 95)
        s["total_p50"], s["total_p95"], s["total_mean"] = pct(self.total_ms, 50), pct(self.total_ms, 95), (
            float(np.mean(self.total_ms)) if self.total_ms else float("nan"))
        s["cpu_p50"], s["cpu_p95"] = pct(self.cpu_ms, 50), pct(self.cpu_ms, 95)
        total_s = sum(self.total_ms) / 1e3
        s["plates_per_s"] = self.plates / total_s if total_s else 0.0
        s["images_per_s"] = self.n / total_s if total_s else 0.0
        s["detected"] = self.detected / max(1, self.n)
        s["exact"] = self.exact / max(1, self.n)
        s["exact_count"] = self.exact
        s["extra_plates"] = self.extra
        s["errors"] = len(self.errors)
        return s


def run_reader(reader: Reader, records: list[CCPDRecord], threads: int, warmup: int = 3,
               failures: list | None = None) -> RunStats:
    cv2.setNumThreads(threads)
    for r in records[:warmup]:
        reader.read_result(r.path)
    st = RunStats(threads)
    for r in records:
        try:
            c0 = time.process_time()
            res, ms = reader.read_result(r.path)
            cpu = (time.process_time() - c0) * 1e3
        except Exception as e:  # keep going; count it
            st.errors.append(f"{r.path}: {e}")
            continue
        st.n += 1
        st.plates += len(res.plates)
        for k in STAGES:
            st.stage_ms[k].append(ms[k])
        st.total_ms.append(res.ms)
        st.cpu_ms.append(cpu)
        det, ok, text, extra = match(res.plates, r)
        st.extra += extra
        st.detected += det
        st.exact += ok
        if not ok and failures is not None:
            failures.append({"image": os.path.basename(r.path), "label": r.text, "read": text,
                             "plates": [p.text for p in res.plates]})
    return st


# --- model zoo ------------------------------------------------------------------------------
def onnx_params(path: str | os.PathLike) -> int | None:
    """Trainable parameters from the sidecar (torch count), else the ONNX initializers (BN folded)."""
    side = Path(path).with_suffix(".json")
    n = json.loads(side.read_text(encoding="utf-8")).get("params") if side.is_file() else None
    if n:
        return int(n)
    try:
        import onnx
    except ModuleNotFoundError:
        return None
    g = onnx.load(str(path), load_external_data=False)
    return int(sum(int(np.prod(t.dims)) for t in g.graph.initializer))


def zoo_row(path: str | os.PathLike, records: list[CCPDRecord], limit: int, reps: int = 30) -> dict:
    """One model-zoo row: size, params, batch-1 latency at 1 thread, accuracy on the val split."""
    from platekit.inference.detector import OnnxDetector
    from platekit.inference.recognizer import OnnxRecognizer
    from platekit.inference.session import load_sidecar

    meta = load_sidecar(path)
    row = {"model": Path(path).stem, "arch": meta.get("model", "?"), "kind": meta["kind"],
           "MB": os.path.getsize(path) / 2**20, "params": onnx_params(path)}
    recs = records[:limit] if limit else records
    if meta["kind"] == "recognizer":
        m = OnnxRecognizer(path, threads=1)
        h, w = m.input_size
        crops = [rectify(load_image(r.path), r.corners_array(), (w, h), m.crop_margin) for r in recs]
        batch = m.prepare(crops[:1])
        m.probs(batch)
        ts = []
        for _ in range(reps):
            t = time.perf_counter()
            m.decode(m.probs(batch))
            ts.append((time.perf_counter() - t) * 1e3)
        texts = [r.text for r in m.read(crops)] if m.region == "cn" else None
        row["ms"] = pct(ts, 50)
        row["accuracy"] = (float(np.mean([t == r.text for t, r in zip(texts, recs, strict=True)]))
                           if texts is not None else None)
        row["metric"] = "exact text, crops rectified by the labelled corners" if texts else "(not a cn model)"
    else:
        m = OnnxDetector(path, threads=1)
        img = load_image(recs[0].path)
        m.detect(img)
        ts = []
        for _ in range(reps):
            t = time.perf_counter()
            m.detect(img)
            ts.append((time.perf_counter() - t) * 1e3)
        hits = 0
        for r in recs:
            dets = m.detect(load_image(r.path))
            if dets and box_iou(np.array([d.box for d in dets]), np.array([r.box])).max() >= 0.5:
                hits += 1
        row["ms"] = pct(ts, 50)
        row["accuracy"] = hits / len(recs)
        row["metric"] = "recall at IoU 0.5 (letterbox + graph + NMS)"
    row["n"] = len(recs)
    return row


# --- generic OCR baseline ---------------------------------------------------------------------
def run_rapidocr(records: list[CCPDRecord], threads: int = 1, reader: Reader | None = None) -> dict | None:
    """RapidOCR (PP-OCRv4 det + cls + rec) on whole scenes; exact when any line equals the plate.

    With ``reader``, platekit reads each scene right before RapidOCR does (interleaved image by image, so
    the speed ratio holds on a machine whose load changes during the run): its numbers are under "ours"."""
    from platekit.evaluation.reader import rapidocr_hits, timed_reads

    ours, ours_ms, ours_hits = (timed_reads(reader, lambda res, rec: match(res.plates, rec)[1])
                                if reader is not None else (None, [], []))
    if reader is not None:
        cv2.setNumThreads(threads)  # as run_reader: the last --threads run must not leave its OpenCV threads
        if records:
            try:
                reader.read_result(records[0].path)  # warm-up, as RapidOCR's
            except Exception:  # noqa: BLE001
                pass
    res = rapidocr_hits(records, threads, "cn", before=ours)
    if res is None:
        return None
    hits, ts = res
    exact = sum(hits)
    out = {"images": len(records), "total_p50": pct(ts, 50), "total_p95": pct(ts, 95), "exact": exact / len(records),
           "exact_count": exact, "threads": threads}
    if reader is not None:
        out["ours"] = {"images": len(records), "total_p50": pct(ours_ms, 50), "total_p95": pct(ours_ms, 95),
                       "exact": sum(ours_hits) / len(records), "exact_count": sum(ours_hits), "threads": threads,
                       "interleaved": True}
    return out


# --- report -----------------------------------------------------------------------------------
def stage_table(summaries: list[dict]) -> str:
    head = "| threads | " + " | ".join(f"{s} p50 / p95 ms" for s in STAGES) + \
        " | end-to-end p50 / p95 ms | CPU time p50 / p95 ms | plates/s | exact | extra plates |"
    lines = [head, "|" + "---|" * (len(STAGES) + 6)]
    for s in summaries:
        cells = [f"{s[f'{k}_p50']:.2f} / {s[f'{k}_p95']:.2f}" for k in STAGES]
        lines.append(f"| {s['threads']} | " + " | ".join(cells) +
                     f" | {s['total_p50']:.2f} / {s['total_p95']:.2f} | {s['cpu_p50']:.2f} / {s['cpu_p95']:.2f}"
                     f" | {s['plates_per_s']:.1f} | "
                     f"{s['exact']:.4f} ({s['exact_count']}/{s['images']}) | {s.get('extra_plates', 0)} |")
    return "\n".join(lines)


def zoo_table(rows: list[dict]) -> str:
    lines = ["| model | arch | kind | MB | params | ms (batch 1, 1 thread) | accuracy | metric | n |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        acc = f"{r['accuracy']:.4f}" if r.get("accuracy") is not None else "-"
        params = f"{r['params'] / 1e6:.2f} M" if r.get("params") else "-"
        lines.append(f"| {r['model']} | {r['arch']} | {r['kind']} | {r['MB']:.2f} | {params} | {r['ms']:.2f} | "
                     f"{acc} | {r['metric']} | {r['n']} |")
    return "\n".join(lines)


def baseline_text(base: dict | None, ours: dict, requested: bool = True) -> str:
    if base is None and not requested:
        return "Not measured (--no-baseline)."
    if base is None:
        return "RapidOCR not installed (`pip install rapidocr-onnxruntime`, dev extra): no baseline measured."
    speed = base["total_p50"] / ours["total_p50"] if ours["total_p50"] else float("nan")
    acc = ours["exact"] / base["exact"] if base["exact"] else float("inf")
    return (
        "| system | images | end-to-end p50 / p95 ms | exact |\n|---|---|---|---|\n"
        f"| platekit ({ours['threads']} thread) | {ours['images']} | {ours['total_p50']:.2f} / {ours['total_p95']:.2f} | "
        f"{ours['exact']:.4f} |\n"
        f"| RapidOCR PP-OCRv4 ({base['threads']} thread) | {base['images']} | {base['total_p50']:.2f} / "
        f"{base['total_p95']:.2f} | {base['exact']:.4f} |\n\n"
        f"platekit is **{speed:.1f}x** RapidOCR's speed (median latency ratio) with **{acc:.2f}x** its "
        "exact-plate accuracy (RapidOCR counts as exact when any text line it reads equals the plate)"
        + ("; both read each image in turn (interleaved), so both saw the same machine load." if ours.get("interleaved")
           else ".")
    )


def write_section(md_path: str | os.PathLike, name: str, body: str) -> None:
    """Replace (or append) the block between <!-- bench:NAME --> and <!-- /bench:NAME --> markers."""
    p = Path(md_path)
    text = p.read_text(encoding="utf-8") if p.is_file() else "# Benchmarks\n"
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    p.write_text(text, encoding="utf-8")
