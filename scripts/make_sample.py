"""Make the bundled sample scene in src/platekit/samples/ (synthetic: real CCPD images must not be
copied into the repository).

A plate rendered by the synthetic generator (``PlateSynth.render_plate``) is warped with a mild
perspective onto a drawn parking-lot scene (asphalt, car body, lights) of CCPD's size 720x1160,
with sensor noise and JPEG compression. Seeds are tried in order; the first scene that the shipped
pipeline reads exactly (one plate, right text) is kept and the number of tries is printed:

    python scripts/make_sample.py --out src/platekit/samples/cn_sample.jpg
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from platekit.core.image import decode_image
from platekit.synth.generator import PlateSynth, random_text


def draw_scene(rng: np.random.Generator, w: int, h: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Asphalt + a car seen from the front; -> (RGB image, car body box x1, y1, x2, y2)."""
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    asphalt = 70 + 60 * y + rng.normal(0, 6, (h, w, 1)).astype(np.float32)
    img = np.repeat(asphalt, 3, axis=2)
    for k in range(3):  # parking lines
        x = int(w * (0.1 + 0.4 * k))
        cv2.line(img, (x, 0), (x - 80, h), (200, 200, 190), 10)
    body = tuple(int(rng.uniform(a, b)) for a, b in ((40, 90), (250, 330), (630, 680), (930, 1000)))
    x1, y1, x2, y2 = body
    colour = tuple(float(c) for c in rng.uniform(30, 200, 3))
    cv2.rectangle(img, (x1 + 60, y1 - 170), (x2 - 60, y1 + 20), tuple(0.6 * c for c in colour), -1)  # roof
    cv2.rectangle(img, (x1 + 90, y1 - 140), (x2 - 90, y1 + 10), (40, 50, 60), -1)  # windscreen
    cv2.rectangle(img, (x1, y1), (x2, y2), colour, -1)
    for cx in (x1 + 80, x2 - 80):  # head lights
        cv2.ellipse(img, (cx, y1 + 110), (60, 28), 0, 0, 360, (235, 235, 220), -1)
    cv2.rectangle(img, (x1 + 150, y1 + 170), (x2 - 150, y1 + 230), (25, 25, 25), -1)  # grille
    shade = np.linspace(1.1, 0.8, y2 - y1, dtype=np.float32)[:, None, None]
    img[y1:y2, x1:x2] *= shade
    return np.clip(img, 0, 255), body


def make_scene(seed: int, w: int = 720, h: int = 1160, fmt: str = "cn-blue", province: str = ""):
    rng = np.random.default_rng(seed)
    img, (x1, y1, x2, y2) = draw_scene(rng, w, h)
    text = random_text(fmt, rng)
    text = (province + text[1:]) if province else text
    plate, corners = PlateSynth((fmt,), difficulty=0.0).render_plate(text, fmt, rng, px_per_mm=1.2, pad=0.0)
    pw = rng.uniform(180, 240)  # plate width in the scene (CCPD-like)
    ph = pw * 140 / 440
    cx, cy = (x1 + x2) / 2 + rng.uniform(-30, 30), y1 + 300 + rng.uniform(-20, 20)
    skew = rng.uniform(-0.08, 0.08) * ph
    quad = np.array([[cx - pw / 2, cy - ph / 2 + skew], [cx + pw / 2, cy - ph / 2 - skew],
                     [cx + pw / 2 * 0.98, cy + ph / 2 - skew], [cx - pw / 2 * 0.98, cy + ph / 2 + skew]], np.float32)
    m = cv2.getPerspectiveTransform(corners.astype(np.float32), quad)
    plate = cv2.GaussianBlur(plate, (0, 0), 0.45 * plate.shape[1] / pw)  # anti-alias before shrinking
    warped = cv2.warpPerspective(plate, m, (w, h), flags=cv2.INTER_LINEAR).astype(np.float32)
    mask = np.zeros(plate.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, corners.astype(np.int32), 255)
    a = cv2.warpPerspective(mask, m, (w, h), flags=cv2.INTER_LINEAR).astype(np.float32)[..., None] / 255
    img = img * (1 - a) + warped * 0.95 * a
    img = np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return decode_image(buf.tobytes()), buf.tobytes(), text, quad


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="src/platekit/samples/cn_sample.jpg")
    ap.add_argument("--tries", type=int, default=20)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--preview-only", action="store_true", help="write the first scene, do not read it")
    ap.add_argument("--province", default="皖", help="first character ('' = random); CCPD is ~95%% 皖")
    ap.add_argument("--detector", default=None)
    ap.add_argument("--recognizer", default=None)
    a = ap.parse_args()
    out = Path(a.out)
    if a.preview_only:
        _, buf, text, _ = make_scene(a.start, province=a.province)
        out.write_bytes(buf)
        print(text)
        return
    from platekit.inference.reader import Reader

    reader = Reader(region="cn", detector=a.detector, recognizer=a.recognizer)
    tried, kept = [], None
    for seed in range(a.start, a.start + a.tries):  # read every scene: the rate is printed
        img, buf, text, quad = make_scene(seed, province=a.province)
        got = [p.text for p in reader.read(img)]
        tried.append((seed, text, got))
        print(f"seed {seed}: label {text} read {got}")
        if got == [text] and kept is None:
            kept = seed
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(buf)
            label = {"text": text, "format": "cn-blue", "corners": quad.astype(float).round(1).tolist(), "seed": seed,
                     "province": a.province,
                     "made_by": "scripts/make_sample.py (synthetic plate on a drawn scene)"}
            out.with_suffix(".json").write_text(json.dumps(label, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8")
    ok = sum(g == [t] for _, t, g in tried)
    print(f"{ok}/{len(tried)} synthetic scenes read exactly; kept seed {kept} -> {out if kept is not None else '-'}")
    if kept is None:
        raise SystemExit("no scene read exactly")


if __name__ == "__main__":
    main()
