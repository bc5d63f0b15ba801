"""onnxruntime sessions + sidecars + shipped-model lookup (no torch)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import onnxruntime as ort

from platekit.errors import PlatekitError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"


def make_session(path: str | os.PathLike, threads: int = 1, optimize: bool = True) -> ort.InferenceSession:
    """CPU session with ``threads`` intra-op threads, denormals flushed to zero.

    ``optimize=False`` runs the graph op by op: an int8 QDQ model then computes exact integer sums
    (DequantizeLinear + float ops) instead of this CPU's fused int8 kernels (docs/recognizers.md)."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, int(threads))
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize
                                   else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    so.add_session_config_entry("session.set_denormal_as_zero", "1")
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=so, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises several private exception types
        raise PlatekitError(f"{path}: cannot load ONNX model ({str(e).splitlines()[0][:200]})") from None


def load_sidecar(onnx_path: str | os.PathLike, kind: str | None = None) -> dict:
    """The JSON sidecar next to an .onnx file (same stem); ``kind``: the model kind it must declare."""
    p = Path(onnx_path).with_suffix(".json")
    if not p.is_file():
        raise PlatekitError(f"{onnx_path}: sidecar {p.name} not found next to the model")
    try:
        meta = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise PlatekitError(f"{p}: invalid JSON sidecar ({e})") from None
    if kind is not None and meta.get("kind") != kind:
        raise PlatekitError(f"{onnx_path}: sidecar kind is {meta.get('kind')!r}, expected {kind!r}")
    return meta


def shipped_models(kind: str | None = None) -> dict[str, Path]:
    """name -> .onnx path of the models shipped in platekit/weights (kind from the sidecar)."""
    out = {}
    for p in sorted(WEIGHTS_DIR.glob("*.onnx")):
        try:
            meta = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if kind is None or meta.get("kind") == kind:
            out[p.stem] = p
    return out


def resolve_model(spec: str | os.PathLike, kind: str) -> Path:
    """A path to an .onnx file, or the name of a shipped model (``detector``, ``rec_cn``, ``cn``)."""
    p = Path(spec)
    if p.suffix == ".onnx" or os.sep in str(spec) or p.exists():
        if not p.is_file():
            raise PlatekitError(f"{spec}: {kind} model file not found")
        return p
    shipped = shipped_models(kind)
    for name in (str(spec), f"rec_{spec}"):
        if name in shipped:
            return shipped[name]
    known = ", ".join(shipped) or "none shipped"
    raise PlatekitError(f"unknown {kind} {spec!r}: give a path to an .onnx file or one of: {known}")
