"""Static INT8 quantization of an exported recognizer (onnxruntime only, no torch).

The convolutions (most of a crnn_ctc's time) get int8 weights (per channel) and uint8 activations
in QDQ format, calibrated on real crops; the LSTM and the classifier stay float.

Robust by construction: the weights are quantised with a **reduced range** (7 bits, [-64, 63]). On x86
CPUs without VNNI, onnxruntime's u8 x s8 kernels (VPMADDUBSW) add pairs of products in signed 16 bits,
and full-range 8-bit weights overflow there (255 * 127 * 2 > 32767): the shipped rec_cn v4 int8 read
93.9 % instead of 99.7 % on an AVX2-only AMD EPYC. With 7-bit weights a pair sums to at most
255 * 64 * 2 = 32640, so no CPU path can saturate. ``check_int8`` compares the model as this CPU runs it
(fused int8 kernels) with the same graph run op by op (DequantizeLinear + float Conv: the exact sums a
VNNI CPU computes) and with the float model; docs/recognizers.md has the numbers.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from platekit.errors import PlatekitError


def quantize_recognizer(onnx_path: str | os.PathLike, out_path: str | os.PathLike, crops: np.ndarray,
                        op_types: tuple[str, ...] = ("Conv",)) -> dict:
    """Quantize ``onnx_path`` -> ``out_path`` (+ its sidecar), calibrated on uint8 crops [N, H, W, 3]."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from platekit.inference.session import load_sidecar

    side = load_sidecar(onnx_path)
    h, w = side["input"]["height"], side["input"]["width"]
    if crops.ndim != 4 or crops.shape[1:] != (h, w, 3) or crops.dtype != np.uint8 or len(crops) == 0:
        raise PlatekitError(f"calibration crops must be uint8 [N, {h}, {w}, 3], got {crops.dtype} {crops.shape}")
    name = side["input"]["name"]

    class _Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(crops[i : i + 1] for i in range(len(crops)))

        def get_next(self):
            x = next(self.it, None)
            return None if x is None else {name: x}

    out_path = Path(out_path)
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(str(onnx_path), pre)
        quantize_static(pre, str(out_path), _Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, reduce_range=True,
                        op_types_to_quantize=list(op_types))
    info = {"type": "static int8 (QDQ), per-channel 7-bit weights (reduce_range: cannot saturate without VNNI)",
            "ops": list(op_types), "calibration_crops": len(crops), "float_model": Path(onnx_path).name}
    side["quantization"] = info
    out_path.with_suffix(".json").write_text(json.dumps(side, indent=1, ensure_ascii=False), encoding="utf-8")
    info["check"] = check_int8(onnx_path, out_path, crops)  # needs the sidecar above; written again with it
    out_path.with_suffix(".json").write_text(json.dumps(side, indent=1, ensure_ascii=False), encoding="utf-8")
    return info


def check_int8(float_path: str | os.PathLike, int8_path: str | os.PathLike, crops: np.ndarray) -> dict:
    """Share of crops the int8 model reads as the float model does, run (a) with this CPU's fused int8
    kernels and (b) op by op: the exact integer sums, which is what a VNNI CPU computes."""
    from platekit.inference.recognizer import OnnxRecognizer

    ref = [r.text for r in OnnxRecognizer(float_path).read(list(crops))]
    same = {}
    for key, optimize in (("this_cpu_kernels", True), ("exact_reference", False)):
        texts = [r.text for r in OnnxRecognizer(int8_path, optimize=optimize).read(list(crops))]
        same[key] = float(np.mean([a == b for a, b in zip(texts, ref, strict=True)]))
    same["crops"] = len(crops)
    return same


def calibration_crops(data: str, size_wh: tuple[int, int], margin: float, region: str, n: int = 300,
                      seed: int = 0) -> np.ndarray:
    """Up to ``n`` crops of ``data`` (train split of scene sets: half by corners, half by box)."""
    from platekit.train import rec_data as rd

    samples = rd.load_samples(rd.Source(data, split="train"), region)
    if not samples:
        raise PlatekitError(f"{data}: no {region} plates to calibrate on")
    rng = np.random.default_rng(seed)
    sel = [samples[i] for i in rng.permutation(len(samples))[:n]]
    is_scene = any(s.corners is not None or s.box is not None for s in sel)
    if not is_scene:
        return rd.eval_crops(sel, size_wh, "whole", margin)[0]
    half = len(sel) // 2
    xc = rd.eval_crops(sel[:half], size_wh, "corners", margin)[0]
    xb = rd.eval_crops(sel[half:], size_wh, "bbox", margin)[0]
    return np.concatenate([xc, xb])
