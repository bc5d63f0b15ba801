"""Does an int8 recognizer read like its float model on every CPU? (docs/recognizers.md, "int8 and CPUs")

For each recognizer given, reads the real sets end to end (shipped detector) twice:
- "this CPU": onnxruntime's optimised graph, i.e. the fused int8 kernels this CPU selects (on x86 without
  VNNI, u8 x s8 products are added in pairs in 16 bits and can saturate);
- "op by op": the same QDQ graph with graph optimisations off, so DequantizeLinear + a float Conv compute
  the exact integer sums, which is what a VNNI (or ARM dot-product) CPU computes.
A float model reads the same both ways. ``--quantize DATA`` adds an int8 model made from the first float
model by ``platekit.export.quantize`` (7-bit weights), calibrated on DATA's train split.

    python scripts/int8_portability.py src/platekit/weights/rec_cn.onnx old_int8.onnx --quantize ../shared/data/ccpd2019_base
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile

from platekit.evaluation import reader as E  # noqa: N812
from platekit.evaluation.bench import machine, machine_line
from platekit.inference.reader import Reader
from platekit.inference.recognizer import OnnxRecognizer

DATA = os.path.join("..", "shared", "data")
SETS = {  # name: (folder, load_items kwargs, crops)
    "CCPD val scenes": (os.path.join(DATA, "ccpd2019_base"), {"split": "val"}, False),
    "test/cn_lowres_crops": (os.path.join(DATA, "test", "cn_lowres_crops"), {}, True),
    "test/cn_other_cameras": (os.path.join(DATA, "test", "cn_other_cameras"), {}, False),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", help="recognizer .onnx files (sidecars next to them)")
    ap.add_argument("--quantize", metavar="DATA", help="also quantize the first model (7-bit weights) on DATA")
    args = ap.parse_args()
    models = list(args.models)
    if args.quantize:
        from platekit.export.quantize import calibration_crops, quantize_recognizer
        from platekit.inference.session import load_sidecar

        tmp = tempfile.mkdtemp()
        src = os.path.join(tmp, "float.onnx")
        shutil.copy(models[0], src)
        shutil.copy(os.path.splitext(models[0])[0] + ".json", os.path.join(tmp, "float.json"))
        side = load_sidecar(src)
        crops = calibration_crops(args.quantize, (side["input"]["width"], side["input"]["height"]),
                                  float(side["crop_margin"]), side["region"])
        models.append(os.path.join(tmp, "int8_7bit.onnx"))
        print("quantized:", quantize_recognizer(src, models[-1], crops))
    items = {name: E.load_items(folder, **kw) for name, (folder, kw, _) in SETS.items()}
    print(f"CPU: {machine_line(machine())}\n")
    print("| recognizer | run | " + " | ".join(SETS) + " |")
    print("|---|---|" + "---|" * len(SETS))
    for m in models:
        for run, optimized in (("this CPU", True), ("op by op (exact sums)", False)):
            cells = []
            for name, (_, _, crops) in SETS.items():
                rep = E.summarize(E.run(Reader(region="cn", recognizer=OnnxRecognizer(m, optimize=optimized), crops=crops),
                                        items[name]))
                cells.append(f"{rep['exact'] * 100:.2f} % ({rep['exact_count']}/{rep['n']})")
            print(f"| {os.path.basename(m)} | {run} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
