"""What a model file is: name, kind, architecture, region, size, version and measured accuracy (no torch).

Everything comes from the ONNX file and its JSON sidecar: ``platekit models`` prints it, ``/healthz``
reports the names and versions of the models a service runs.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from platekit.inference.session import load_sidecar, shipped_models

# sidecar metric-set keys -> where the number was measured (unknown keys are shown as they are)
WHERE = {
    "ccpd_val_corners": "CCPD by-text val split (342 plates), crops cut by the labelled corners",
    "ccpd_val_bbox": "CCPD by-text val split (342 plates), plain box crops",
    "ccpd_val_e2e": "CCPD by-text val split (342 scenes), end to end",
    "ccpd2019_base_val_by_text": "CCPD by-text val split (342 scenes)",
    "openlpr_val": "openlpr_detection val split (252 scenes, many countries)",
    "closeup_val": "close-ups cut from the CCPD and openlpr val splits (594 scenes, scripts/closeup_scenes.py)",
    "synthetic": "unseen synthetic plates",
    "synthetic_hard": "unseen hard synthetic plates (difficulty 0.8; own validation)",
    "synthetic_binarised": "unseen hard synthetic plates, all binarised (own validation)",
    "synthetic_hard_no_face": "unseen hard synthetic plates drawn without the GOST stroke face (own validation)",
    "synthetic_binarised_no_face": "unseen hard binarised synthetic plates drawn without the GOST stroke face (own validation)",
    "nomeroff": "the real Nomeroff example plate X371HK96",
    "issue_regime_d05": "1,000 binarised 520x112 synthetic Russian crops at difficulty 0.5, read by the Reader (own val)",
    "issue_regime_d07": "1,000 binarised 520x112 synthetic Russian crops at difficulty 0.7, read by the Reader (own val)",
    "openlpr_val_teacher": "openlpr val-split crops labelled by the PP-OCRv4 teacher (60)",
    "latin_scene_val": "openlpr val-split scenes with teacher-labelled plates, end to end (89; scripts/latin_scene_val.py)",
    "synth_cn": "unseen hard synthetic Chinese plates (difficulty 0.8)",
    "synth_ru": "unseen hard synthetic Russian plates (difficulty 0.8)",
    "synth_latin": "unseen hard synthetic Latin plates (difficulty 0.8)",
    "ccpd_val": "CCPD by-text val split (342 plates), crops cut by the labelled corners",
    "synthetic_colour_d07": "unseen synthetic crops of every Chinese type at difficulty 0.7, the worst colour (own val)",
}
METRIC_NAMES = {"plate_acc": "plate accuracy", "recall": "recall", "precision": "precision", "ap50": "AP50",
                "exact": "exact", "route_acc": "right region", "colour_right_acc": "colour right",
                "colour_wrong_acc": "another colour", "colour_wrong_worst_acc": "another colour"}


@dataclass(frozen=True)
class Measurement:
    what: str  # e.g. "plate accuracy 99.71 %" or "recall 1.000, precision 0.994"
    where: str


@dataclass(frozen=True)
class ModelInfo:
    name: str  # file stem: what --detector / --recognizer accept for a shipped model
    kind: str  # detector | recognizer
    architecture: str  # registry name (crnn_ctc, plate_detector ...)
    region: str | None
    size_bytes: int
    params: int | None
    version: str  # the sidecar's "version", else the first 12 hex digits of the file's SHA-256
    measured: tuple[Measurement, ...]
    path: str

    def to_dict(self) -> dict:
        return asdict(self)


def _measurements(metrics: dict) -> tuple[Measurement, ...]:
    if not isinstance(metrics, dict):  # a hand-written sidecar may hold a note instead: nothing to tabulate
        return ()
    out = []
    flat: dict[str, list[str]] = {}
    for key, value in metrics.items():
        if isinstance(value, dict):  # detector style: {set: {recall, precision, ...}}
            parts = [f"{METRIC_NAMES[m]} {value[m]:.3f}" for m in ("recall", "precision") if m in value]
            if parts:
                out.append(Measurement(", ".join(parts), WHERE.get(key, key)))
        elif "/" in key and isinstance(value, int | float):  # recognizer style: "set/metric": value
            where, metric = key.split("/", 1)
            shown = f"{100 * value:.2f} %" if metric.endswith("acc") or metric == "exact" else f"{value:.4g}"
            flat.setdefault(where, []).append(f"{METRIC_NAMES.get(metric, metric)} {shown}")
    out += [Measurement(", ".join(v), WHERE.get(k, k)) for k, v in flat.items()]
    return tuple(out)


@lru_cache(maxsize=32)
def _sha12(path: str, mtime: float, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def describe(path: str | os.PathLike) -> ModelInfo:
    """The ModelInfo of an .onnx file with its sidecar (PlatekitError if the sidecar is missing)."""
    p = Path(path)
    meta = load_sidecar(p)
    st = p.stat()
    params = meta.get("params")
    return ModelInfo(
        name=p.stem,
        kind=str(meta.get("kind", "?")),
        architecture=str(meta.get("model", "?")),
        region=meta.get("region"),
        size_bytes=st.st_size,
        params=int(params) if isinstance(params, int | float) else None,
        version=str(meta.get("version") or _sha12(str(p.resolve()), st.st_mtime, st.st_size)),
        measured=_measurements(meta.get("metrics") or {}),
        path=str(p),
    )


def shipped() -> list[ModelInfo]:
    """Every model shipped in platekit/weights, detectors first."""
    infos = [describe(p) for p in shipped_models().values()]
    return sorted(infos, key=lambda m: (m.kind != "detector", m.name))


def running(model) -> dict:
    """name / architecture / version of a model object a Reader runs (for /healthz)."""
    path = getattr(model, "path", None)
    if path and os.path.isfile(path):
        info = describe(path)
        return {"name": info.name, "kind": info.kind, "architecture": info.architecture, "region": info.region,
                "version": info.version}
    return {"name": type(model).__name__, "kind": None, "architecture": None,
            "region": getattr(model, "region", None), "version": None}
