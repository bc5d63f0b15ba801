"""Own end-to-end validation scenes for Latin plates (issue 16): the openlpr **val** scenes whose plates the
teacher labelled (scripts/teacher_label_latin.py), laid out like ``test/latin_scenes`` so ``platekit eval reader``
and ``scripts/compare_readers.py`` score them end to end, the plate at each labelled box.

One row per labelled plate (a scene with two labelled plates appears twice, as ``STEM_J.jpg`` links to the
same image); the ``region`` column says which teacher filter kept the label: ``strict`` (views A and B agree,
3.3 % wrong in a hand-checked sample) or ``single`` (views A and B disagree, A and the rectified view C agree;
1 wrong in a hand-checked sample of 24). Nothing here is from the test sets.

    cp -r runs/latin_teacher runs/latin_teacher_c
    python scripts/teacher_label_latin.py --out runs/latin_teacher_c --refilter --rectified-view --single-view 0.85
    python scripts/latin_scene_val.py [--teacher runs/latin_teacher_c] [--out runs/latin_scene_val]
    python scripts/compare_readers.py runs/latin_scene_val auto v2=region:auto,verify_low:0.6
"""

from __future__ import annotations

import argparse
import csv
import json
import os

from teacher_label_latin import crop_source, scene_index  # scripts/ is on sys.path when run as a script


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data/openlpr_detection")
    ap.add_argument("--teacher", default="runs/latin_teacher_c")
    ap.add_argument("--out", default="runs/latin_scene_val")
    a = ap.parse_args()
    images = scene_index(a.data)
    os.makedirs(a.out, exist_ok=True)
    rows, boxes = [], []
    for kind, name in (("strict", "labels.csv"), ("single", "labels_single.csv")):
        path = os.path.join(a.teacher, "val", name)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            labels = [(r["image_path"], r["plate_text"]) for r in csv.DictReader(f)]
        for crop, text in labels:
            stem, j = crop_source(crop)
            d = images[stem, "val"]
            link = f"{stem}_{j}.jpg"
            dst = os.path.join(a.out, link)
            if not os.path.lexists(dst):
                os.symlink(os.path.abspath(os.path.join(a.data, d["image"])), dst)
            rows.append((link, text, kind))
            boxes.append({"image": link, "width": d["width"], "height": d["height"], "boxes": [d["boxes"][j]]})
    with open(os.path.join(a.out, "labels.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["image_path", "plate_text", "region"])
        w.writerows(rows)
    with open(os.path.join(a.out, "boxes.jsonl"), "w", encoding="utf-8") as f:
        for b in boxes:
            f.write(json.dumps(b) + "\n")
    print(f"{len(rows)} labelled plates -> {a.out}")


if __name__ == "__main__":
    main()
