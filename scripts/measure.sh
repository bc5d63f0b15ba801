#!/usr/bin/env bash
# The README's "Measured results": every number there comes from one of these commands, run from the
# repository root with ../shared/data beside it. Reports (JSON, per-image JSONL, error galleries) go to
# runs/measure/ (gitignored). Prints the CPU and library versions first: timings are this CPU's.
set -euo pipefail
OUT="${MEASURE_OUT:-runs/measure}"
D=../shared/data
mkdir -p "$OUT"
platekit bench "$D/ccpd2019_base" --threads 1 --json "$OUT/bench.json" "$@"   # val split + RapidOCR (extra args: e.g. --zoo OLD.onnx)
platekit eval reader "$D/ccpd2019_base" --split val            --out "$OUT/ccpd_val"
platekit eval reader "$D/test/cn_other_cameras"                --out "$OUT/cn_other_cameras"
platekit eval reader "$D/test/cn_lowres_crops" --crops         --out "$OUT/cn_lowres_crops"
platekit eval reader "$D/test/ru_real_crops" --crops --region ru --out "$OUT/ru_real_crops"
platekit eval reader "$D/test/latin_scenes" --region auto --baseline --out "$OUT/latin_scenes"   # + RapidOCR, same run
python scripts/compare_readers.py "$D/ccpd2019_base" --split val cn auto > "$OUT/auto_vs_cn_ccpd.txt"   # --region auto vs cn, one run
python scripts/compare_readers.py "$D/test/cn_other_cameras" cn auto > "$OUT/auto_vs_cn_other.txt"
