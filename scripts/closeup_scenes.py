"""Close-up scenes from real labelled scenes (issue 14: plates that fill a fifth of the frame or more, steep angles).

Each CCPD (by-text split) and openlpr scene of the chosen split gives one new scene: a window around one of its
plates, sized so that the plate is ``--width`` MIN..MAX of the window's width (uniform), warped by a random
perspective (each window corner moved by up to ``--tilt`` of the window size: steep yaw / pitch), resized to
640x480 (a fifth portrait, 480x640) and saved as JPEG q85 under ``OUT/<split>/`` with a detection ``labels.jsonl``
(boxes, and corners where the source has them). A scene whose window cuts another plate is skipped, so every
plate in it is labelled. ``--split val`` makes our own close-up validation (the detector study's ``--extra``);
``--split train`` makes training scenes from the training halves only (a detector config's ``extra_train``, which
trains on every scene of its labels.jsonl: so each split gets its own folder, and OUT's labels.jsonl is rewritten).

    python scripts/closeup_scenes.py runs/det/closeup --split val
    python scripts/closeup_scenes.py runs/det/closeup_train --split train --max 1000

Real pixels, upscaled: a CCPD plate (~180 px) at half the window width is ~1.8x enlarged, an openlpr plate
(~95 px) ~3.4x, so these close-ups are softer than a real camera's.
"""

from __future__ import annotations

import argparse
import json
import os

import cv2
import numpy as np

from platekit.cli.eval_detector import load_eval_records

SOURCES = {"ccpd": "../shared/data/ccpd2019_base", "openlpr": "../shared/data/openlpr_detection"}


def window(rec: dict, rng: np.random.Generator, share: tuple[float, float], tilt: float,
           out_wh: tuple[int, int]) -> tuple[np.ndarray, list, list] | None:
    """-> (3x3 homography source -> output, boxes, corners) or None when the window cuts another plate."""
    boxes = np.asarray(rec["boxes"], np.float32).reshape(-1, 4)
    corners = np.asarray(rec["corners"], np.float32).reshape(-1, 4, 2) if rec.get("corners") else None
    k = int(rng.integers(len(boxes)))
    x1, y1, x2, y2 = boxes[k]
    ow, oh = out_wh
    ww = (x2 - x1) / rng.uniform(*share)  # window width in source px
    wh = ww * oh / ow
    lo, hi = x2 - 0.95 * ww, x1 - 0.05 * ww  # the plate stays inside, 5 % from the window's edges
    wx0 = float(rng.uniform(lo, hi)) if hi > lo else (lo + hi) / 2
    lo, hi = y2 - 0.95 * wh, y1 - 0.05 * wh
    wy0 = float(rng.uniform(lo, hi)) if hi > lo else (lo + hi) / 2
    src = np.float32([[wx0, wy0], [wx0 + ww, wy0], [wx0 + ww, wy0 + wh], [wx0, wy0 + wh]])
    src += rng.uniform(-tilt, tilt, (4, 2)).astype(np.float32) * np.float32([ww, wh])
    dst = np.float32([[0, 0], [ow, 0], [ow, oh], [0, oh]])
    m = cv2.getPerspectiveTransform(src, dst)
    quads = corners if corners is not None else np.stack(
        [np.float32([[a, b], [c, b], [c, d], [a, d]]) for a, b, c, d in boxes])
    out_b, out_c = [], []
    for q in quads:
        p = cv2.perspectiveTransform(q.reshape(1, 4, 2), m)[0]
        lo, hi = p.min(0), p.max(0)
        inside = np.clip(hi, 0, [ow, oh]) - np.clip(lo, 0, [ow, oh])
        frac = max(0.0, inside[0]) * max(0.0, inside[1]) / max(1e-6, float(np.prod(hi - lo)))
        if frac >= 0.98:
            out_b.append([round(float(v), 1) for v in (*lo, *hi)])
            out_c.append([[round(float(x), 1), round(float(y), 1)] for x, y in p])
        elif frac > 0.02:
            return None  # a plate cut by the window edge: ambiguous, skip the scene
    if not out_b:
        return None
    return m, out_b, out_c if corners is not None else []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="output folder (labels.jsonl + <split>/*.jpg)")
    ap.add_argument("--split", choices=("train", "val"), default="val")
    ap.add_argument("--width", default="0.25,0.7", help="MIN,MAX plate width as a share of the scene width")
    ap.add_argument("--tilt", type=float, default=0.12, help="perspective: window corners moved by up to this share")
    ap.add_argument("--copies", type=int, default=1, help="scenes per source scene")
    ap.add_argument("--max", type=int, default=0, help="at most this many scenes, a random choice (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    share = tuple(float(v) for v in a.width.split(","))
    rng = np.random.default_rng(a.seed + (0 if a.split == "val" else 1000))
    os.makedirs(os.path.join(a.out, a.split), exist_ok=True)
    lines, skipped = [], 0
    for name, root in SOURCES.items():
        for i, rec in enumerate(load_eval_records(root, a.split)):
            img = None
            for c in range(a.copies):
                portrait = rng.random() < 0.2
                wh = (480, 640) if portrait else (640, 480)
                got = None
                for _ in range(5):
                    got = window(rec, rng, share, a.tilt, wh)
                    if got is not None:
                        break
                if got is None:
                    skipped += 1
                    continue
                if img is None:
                    img = cv2.imread(rec["path"], cv2.IMREAD_COLOR)
                m, boxes, corners = got
                out = cv2.warpPerspective(img, m, wh, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                rel = f"{a.split}/{name}_{i:04d}_{c}.jpg"
                cv2.imwrite(os.path.join(a.out, rel), out, [cv2.IMWRITE_JPEG_QUALITY, 85])
                d = {"image": rel, "width": wh[0], "height": wh[1], "boxes": boxes}
                if corners:
                    d["corners"] = corners
                lines.append(json.dumps(d))
    if a.max and len(lines) > a.max:
        keep = set(rng.choice(len(lines), a.max, replace=False).tolist())
        for j, ln in enumerate(lines):
            if j not in keep:
                os.remove(os.path.join(a.out, json.loads(ln)["image"]))
        lines = [ln for j, ln in enumerate(lines) if j in keep]
    lab = os.path.join(a.out, "labels.jsonl")
    with open(lab, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(lines)} {a.split} scenes -> {lab} ({skipped} windows skipped: they cut another plate)")


if __name__ == "__main__":
    main()
