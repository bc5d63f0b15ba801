"""Contact sheets for ``platekit data show``: thumbnails with plate text, box and corners drawn (Pillow)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from platekit.core.image import ImageError, load_image
from platekit.data.readers import DetectionSample, PlateSample, load_plate_crop

BG = (32, 32, 32)
BOX = (0, 230, 0)  # axis-aligned box
QUAD = (255, 60, 60)  # corner quadrilateral; its first corner (lt) gets a dot
LT = (255, 230, 0)
TEXT = (255, 255, 255)


def pick(n_items: int, n: int) -> list[int]:
    """``n`` indices spread evenly over ``n_items`` (deterministic, first and last included)."""
    if n_items <= n:
        return list(range(n_items))
    return sorted({int(round(i)) for i in np.linspace(0, n_items - 1, n)})


def _font(size: int):
    """An installed CJK font (any dataset label), else the bundled plate-glyph font."""
    from PIL import ImageFont

    from platekit.core.fonts import label_font

    return ImageFont.truetype(label_font("\u4e00"), size)  # a character outside the bundled set: prefer installed


def _label(s) -> str:
    if isinstance(s, DetectionSample):
        return f"{len(s.boxes)} box" + ("es" if len(s.boxes) != 1 else "") + f"  {os.path.basename(s.image_path)}"
    rows = f" ({s.lines} rows)" if s.lines > 1 else ""
    return f"{s.text}  {s.format or '?'}{rows}"


def _geometry(s) -> tuple[list, list]:
    """(boxes, quads) to draw in image pixels."""
    if isinstance(s, DetectionSample):
        return list(s.boxes), list(s.corners or [])
    return ([s.box] if s.box is not None else []), ([s.corners] if s.corners is not None else [])


def _thumb(s, img: np.ndarray, w: int, h: int):
    from PIL import Image, ImageDraw

    ih, iw = img.shape[:2]
    k = min(w / iw, h / ih)
    tw, th = max(1, round(iw * k)), max(1, round(ih * k))
    im = Image.fromarray(img).resize((tw, th), Image.BILINEAR)
    d = ImageDraw.Draw(im)
    lw = max(1, round(w / 120))
    boxes, quads = _geometry(s)
    for b in boxes:
        d.rectangle([b[0] * k, b[1] * k, b[2] * k, b[3] * k], outline=BOX, width=lw)
    for q in quads:
        pts = [(x * k, y * k) for x, y in q]
        d.line(pts + pts[:1], fill=QUAD, width=lw)
        x, y = pts[0]
        d.ellipse([x - 2 * lw, y - 2 * lw, x + 2 * lw, y + 2 * lw], fill=LT)
    tile = Image.new("RGB", (w, h), BG)
    tile.paste(im, ((w - tw) // 2, (h - th) // 2))
    return tile


def make_contact_sheet(
    samples: Sequence[PlateSample | DetectionSample], n: int = 24, cols: int = 6, tile: int = 200, title: str = ""
):
    """A Pillow image: ``n`` samples spread over the list, ``cols`` per row, ``tile`` px wide each.

    Scenes show the box (green) and the corner quadrilateral (red, yellow dot on lt) and, below,
    the plate rectified by its corners; every tile is labelled with the text and format.
    """
    from PIL import Image, ImageDraw

    if not samples:
        raise ValueError("no samples to show")
    chosen = [samples[i] for i in pick(len(samples), n)]
    images: list[np.ndarray | None] = []
    for s in chosen:
        try:
            images.append(load_image(s.image_path))
        except ImageError:
            images.append(None)
    aspects = [im.shape[0] / im.shape[1] for im in images if im is not None] or [1.0]
    thumb_h = round(tile * float(np.clip(np.median(aspects), 0.2, 2.0)))
    with_crop = any(isinstance(s, PlateSample) and s.corners is not None for s in chosen)
    crop_h = round(tile / 4) if with_crop else 0
    font = _font(max(11, tile // 12))
    label_h = round(font.size * 1.5)
    cell_h = thumb_h + crop_h + label_h
    cols = max(1, min(cols, len(chosen)))
    rows = -(-len(chosen) // cols)
    title_h = label_h if title else 0
    pad = 4
    sheet = Image.new("RGB", (cols * (tile + pad) + pad, title_h + rows * (cell_h + pad) + pad), (0, 0, 0))
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((pad, pad // 2), title, font=font, fill=TEXT)
    for i, (s, img) in enumerate(zip(chosen, images, strict=True)):
        x = pad + (i % cols) * (tile + pad)
        y = pad + title_h + (i // cols) * (cell_h + pad)
        if img is None:
            draw.rectangle([x, y, x + tile - 1, y + thumb_h - 1], fill=BG)
            draw.text((x + 4, y + 4), "unreadable image", font=font, fill=QUAD)
        else:
            sheet.paste(_thumb(s, img, tile, thumb_h), (x, y))
            if crop_h and isinstance(s, PlateSample) and s.corners is not None:
                crop = load_plate_crop(s, (tile, crop_h), "corners", image=img)
                sheet.paste(Image.fromarray(crop), (x, y + thumb_h))
        label = _label(s)
        while font.getlength(label) > tile and len(label) > 4:
            label = label[:-2] + "…"
        draw.text((x + 2, y + thumb_h + crop_h + (label_h - font.size) // 2 - 1), label, font=font, fill=TEXT)
    return sheet


def save_sheet(sheet, out: str, colors: int = 0) -> None:
    """Write the sheet (format from the extension); ``colors`` > 0 quantises to a palette (small PNGs)."""
    os.makedirs(os.path.dirname(os.path.abspath(out)) or ".", exist_ok=True)
    if colors:
        sheet = sheet.quantize(min(256, colors))
    sheet.save(out, optimize=True)
