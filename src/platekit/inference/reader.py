"""End-to-end reader: decode -> detect -> rectify by 4 corners -> read. The Python API.

    from platekit import Reader
    plates = Reader(region="cn").read("car.jpg")   # list[Plate], frozen dataclasses

onnxruntime + numpy + OpenCV only: importing or using this module never imports torch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence

import cv2
import numpy as np

from platekit.core.formats import REGIONS, get_format, guess_format, row_layouts
from platekit.core.geometry import (
    corner_aspect,
    expand_corners,
    quad_size,
    rectify,
    stitch_rows,
    stitch_source_size,
)
from platekit.core.image import check_size, decode_image, jpeg_reduction, load_image, read_file
from platekit.core.imagehead import read_head
from platekit.core.results import Detection, ImageResult, Plate, Reading
from platekit.errors import PlatekitError
from platekit.inference.base import Detector, Recognizer
from platekit.inference.session import load_sidecar, resolve_model, shipped_models

STAGES = ("decode", "detect", "rectify", "read")
# readings below this are dropped unless asked otherwise: chosen from coverage curves on the CCPD
# by-text val split and openlpr val (scripts/choose_threshold.py, docs/reading.md#confidence-threshold)
DEFAULT_MIN_CONFIDENCE = 0.5
ImageLike = str | os.PathLike | bytes | np.ndarray
COLORS = ("bgr", "rgb")


def as_rgb(image: np.ndarray, color: str = "bgr", name: str = "<array>") -> np.ndarray:
    """An array -> RGB uint8 [H, W, 3], platekit's inner convention.

    ``color``: the channel order of a 3- or 4-channel array: ``bgr`` (OpenCV's ``cv2.imread`` /
    ``VideoCapture`` frames, the default) or ``rgb`` (Pillow, imageio, matplotlib). Gray [H, W] arrays
    need neither. Anything else is an error. The same size limits as files apply (ImageError: too
    small, too large in pixels).
    """
    if color not in COLORS:
        raise PlatekitError(f"unknown color order {color!r}; use 'bgr' (OpenCV) or 'rgb'")
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise PlatekitError(f"image array must be uint8, got {a.dtype}")
    if a.ndim in (2, 3):
        check_size(a.shape[1], a.shape[0], name)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    elif a.ndim != 3 or a.shape[2] not in (3, 4):
        raise PlatekitError(f"image array must be [H, W, 3] ({color.upper()}), got shape {a.shape}")
    elif color == "bgr":
        a = a[..., 2::-1]
    return np.ascontiguousarray(a[..., :3])


class Pixels:
    """The image a Reader works on: what the detector sees, and the full-resolution pixels.

    A large JPEG is decoded at 1/f of its size (``decode_image(reduce=f)``) for the detector; a plate is then
    cut from those reduced pixels when it is at least ``min_rows`` of the reader's input rows tall there
    (so at most ~2x upsampled), and from the full-resolution image otherwise, decoded once, only when such
    a plate is found. The choice depends on the plate's own size only (never on other plates), so a plate
    reads the same whatever else is in the image. Corners are always in full-resolution pixels; the scale
    per axis is full size / reduced size (libjpeg rounds the reduced sides up, so it is within a pixel of
    f). ``Pixels(image)``: one resolution. ``warnings``: damage the decoder read anyway (``decode_image``).
    """

    def __init__(self, image: np.ndarray, full=None, shape: tuple[int, int] | None = None, min_rows: float = 0.5,
                 warnings: tuple[str, ...] = ()):
        self.image = image  # RGB uint8 [h, w, 3]: what the detector sees
        self.warnings = tuple(warnings)
        self._decode_full = full  # () -> RGB [H, W, 3]; None: ``image`` is full resolution
        self._full = image if full is None else None
        self.shape = tuple(shape) if shape is not None else image.shape[:2]  # full resolution (H, W)
        self.fx, self.fy = self.shape[1] / image.shape[1], self.shape[0] / image.shape[0]
        self.min_rows = float(min_rows)
        self.full_ms = 0.0  # time spent decoding the full image after the detector ran

    @property
    def reduced(self) -> bool:
        return self._decode_full is not None

    def full(self) -> np.ndarray:
        if self._full is None:
            t0 = time.perf_counter()
            self._full = self._decode_full()
            self.full_ms += (time.perf_counter() - t0) * 1e3
        return self._full

    def rectify(self, corners: np.ndarray, size: tuple[int, int], margin: float = 0.0,
                rows_needed: int | None = None) -> np.ndarray:
        """The plate quadrilateral (lt, rt, rb, lb; full-resolution px) warped to ``size`` = (w, h).
        ``rows_needed``: the reader's input rows the plate is judged against (default: h)."""
        c = np.asarray(corners, np.float32).reshape(4, 2)
        if self.reduced:
            rows = quad_size(c)[1] / self.fy
            if rows >= self.min_rows * (size[1] if rows_needed is None else rows_needed):
                return rectify(self.image, c / np.float32([self.fx, self.fy]), size, margin)
        return rectify(self.full(), c, size, margin)

    def to_full(self, d: Detection) -> Detection:
        """A detection in the detector image's pixels -> full-resolution pixels."""
        if not self.reduced:
            return d
        fx, fy = self.fx, self.fy
        x1, y1, x2, y2 = d.box
        corners = None if d.corners is None else tuple((x * fx, y * fy) for x, y in d.corners)
        return Detection((x1 * fx, y1 * fy, x2 * fx, y2 * fy), corners, d.confidence)  # type: ignore[arg-type]


class Reader:
    """Find and read every plate of an image.

    region: ``cn`` | ``ru`` | ``latin`` | ``auto``. auto: the region classifier (``router``: None,
    the shipped ``weights/region.onnx`` when the recognizers are the shipped ones; a path; an object
    with ``probs(crops)``, ``classes``, ``input_size``, ``crop_margin``; False: none) routes each plate to one reader
    (``route_weighting=True``: an unsure plate's readings are weighted by the router's probability of
    their region; measured equal within a plate on our validation, so off: scripts/route_compare.py); a plate it is not sure about
    (probability below ``route_confidence``) is read by every reader. Either way a plate is only
    returned when its reading fits one of its reader's formats: a plate that fits no reader well
    is reported as unread, with its box (``ImageResult.unread_boxes``), never with another
    country's letters. Without a shipped classifier every reader reads every plate.
    detector / recognizer: None (shipped default), a shipped model name, a path to an .onnx
    file (sidecar next to it), or any object implementing the :mod:`platekit.inference.base`
    protocols. ``crops=True``: every input already is a plate crop (no detection).
    refine_below: a reading below this confidence is read again from six slightly moved crops (the corner
    errors of a detector) and the best reading kept; 0: off. ``refine_crops``: in crop mode too, the moved crops
    cut from the given crop (session 16: +2.1 / +2.5 points on the Russian issue-regime own val, +1 plate of
    342 on the cn low-res own val; six more reads per unsure crop, mean read time 4.00 -> 6.62 ms on Russian
    own-val crops; docs/reading.md).
    color: channel order of numpy arrays given to :meth:`read` (``bgr``: OpenCV frames, the default;
    ``rgb``); paths and encoded bytes are decoded correctly whatever it says.
    min_confidence: drop readings below it; None: ``DEFAULT_MIN_CONFIDENCE`` (0.5, chosen from coverage
    curves on the CCPD by-text validation split: docs/reading.md).
    reduced_decode: a JPEG (path or bytes) much larger than the detector's input is decoded at 1/2, 1/4 or 1/8
    of its size for the detector, and each plate is read from those pixels when it is at least half the
    reader's input rows tall there, else from the full-resolution image (decoded then, once): see
    :class:`Pixels` and docs/benchmarks.md. False: always decode the full image.
    detect_retry: when the detector finds no plate in an image, it looks again on the canvases its sidecar names
    (``retry_empty``, in turn until one finds a plate; the shipped detector: 640 at threshold 0.6, then 256 at 0.5,
    chosen on own val, docs/detector.md "Session 17" and "Session 18"); only images with no plate pay. False: one look.
    detect_size: the long side of the detector's first-look canvas instead of its sidecar's (384 for the shipped one;
    a dynamic-H/W detector the Reader loads, or an :class:`OnnxDetector` built with that ``input_size``): 256 is
    ~1.8x faster to detect and finds fewer small far plates (large close ones often better), the later looks
    unchanged (docs/detector.md "Session 18"). None: the sidecar's. Ignored in crop mode (no detector).
    text_prior: the weight of the plate-text prior of the CTC recognizers the Reader loads (shipped names or
    paths; None: each model's sidecar ``text_prior``, else its region's ``Region.text_prior``: cn 1, latin
    1; 0: off), see :class:`platekit.inference.recognizer.OnnxRecognizer`. Recognizer objects passed in
    keep their own setting.
    colour_readers: specialist readers by plate colour, used on plates the colour classifier sees in that colour
    (None or True: the shipped recognizers whose sidecar names a ``colour``: rec_cn_green for new-energy green plates;
    a ``{colour: path or recognizer}`` dict; False: none); the specialist's reading replaces the cn reader's when
    better (fits a format first, then confidence). docs/recognizers.md "Session 20".
    colour: the plate-colour classifier (None or True: the shipped ``colour.onnx``, loaded for regions ``cn`` and
    ``auto``; a path or an object with ``colours(crops) -> [str | None]``; False: off).
    Plates read by the cn reader get ``Plate.colour`` (blue, green, yellow, white, black) when the classifier is at
    least as sure as its sidecar's ``bar``, and their type by text and colour (a 7-character text on a yellow
    plate is ``cn-yellow``, not ``cn-blue``); a colour with a specialist reader (``colour_readers``) may change the text
    read, nothing else does (docs/reading.md "Plate colour").
    """

    def __init__(
        self,
        region: str = "cn",
        detector: str | os.PathLike | Detector | None = None,
        recognizer: str | os.PathLike | Recognizer | Sequence[Recognizer] | None = None,
        threads: int = 1,
        min_confidence: float | None = None,
        crops: bool = False,
        refine_below: float = 0.9,
        refine_crops: bool = True,
        verify_low: float = 0.0,
        verify_confidence: float = 0.8,
        color: str = "bgr",
        route_confidence: float = 0.9,
        router: str | os.PathLike | bool | object | None = None,
        route_weighting: bool = False,
        reduced_decode: bool = True,
        stitch_below: float = 2.6,
        text_prior: float | None = None,
        detect_retry: bool = True,
        detect_size: int | None = None,
        colour: str | os.PathLike | bool | object | None = None,
        colour_readers: dict | bool | None = None,
    ):
        from platekit.inference.detector import OnnxDetector
        from platekit.inference.recognizer import OnnxRecognizer

        if region not in REGIONS and region != "auto":
            raise PlatekitError(f"unknown region {region!r}; use {', '.join(REGIONS)} or auto")
        if color not in COLORS:
            raise PlatekitError(f"unknown color order {color!r}; use 'bgr' (OpenCV) or 'rgb'")
        self.region, self.threads, self.crops, self.color = region, threads, crops, color
        self.reduced_decode = bool(reduced_decode)
        self.detect_retry = bool(detect_retry)
        self.text_prior = text_prior  # what the loaded recognizers were given (None: each model's own)
        # plates whose corners are squatter than this (width / height) are also read with their rows side by
        # side by readers whose region has multi-row types (core.formats.row_layouts); 0 turns it off
        self.stitch_below = float(stitch_below)
        self.min_confidence = float(DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence)
        self.refine_below = float(refine_below)  # re-read plates below this confidence from moved crops
        self.refine_crops = bool(refine_crops)  # also in crop mode (the moved crops cut from the given crop)
        # recognition-verified detections: candidates scored in [verify_low * threshold, threshold)
        # are kept only when read with confidence >= verify_confidence in a known format
        self.verify_low, self.verify_confidence = float(verify_low), float(verify_confidence)

        self.detect_size = None if detect_size is None else int(detect_size)
        canvas = None if self.detect_size is None else (self.detect_size, self.detect_size)
        self.detector: Detector | None = None
        if not crops:
            if detector is None or isinstance(detector, str | os.PathLike):
                self.detector = OnnxDetector(resolve_model(detector or "detector", "detector"), threads,
                                             input_size=canvas)
            else:
                given = getattr(detector, "input_size", None)
                if canvas is not None and (given is None or tuple(int(v) for v in given) != canvas):
                    raise PlatekitError(f"detect_size {self.detect_size}: give it to a detector the Reader loads, or "
                                        f"build OnnxDetector(path, input_size={canvas}) yourself")
                self.detector = detector

        if recognizer is None:
            if region == "auto":
                paths = [p for p in shipped_models("recognizer").values() if not load_sidecar(p).get("colour")]
                if not paths:
                    raise PlatekitError("no recognizer shipped in platekit/weights; pass --recognizer PATH")
            else:
                paths = [resolve_model(region, "recognizer")]
            self.recognizers: list[Recognizer] = [OnnxRecognizer(p, threads, text_prior=text_prior)
                                                  for p in paths]
        elif isinstance(recognizer, str | os.PathLike):
            self.recognizers = [OnnxRecognizer(resolve_model(recognizer, "recognizer"), threads,
                                               text_prior=text_prior)]
        elif isinstance(recognizer, Sequence):
            self.recognizers = list(recognizer)
        else:
            self.recognizers = [recognizer]
        # --region auto: the region classifier routes each plate to the reader of its region
        self.router = None
        self.route_confidence = float(route_confidence)
        self.route_weighting = bool(route_weighting)
        if region == "auto" and router is not False:
            from platekit.inference.region import OnnxRegionClassifier

            if router is None or router is True:
                shipped = shipped_models("region_classifier").get("region")
                self.router = OnnxRegionClassifier(shipped, threads) if shipped and recognizer is None else None
            elif isinstance(router, str | os.PathLike):
                self.router = OnnxRegionClassifier(resolve_model(router, "region_classifier"), threads)
            else:
                self.router = router
        # the plate-colour classifier: a Chinese plate's colour (Plate.colour) and, with its text, its type
        self.colour = None
        if colour is not False and (region in ("cn", "auto") or not (colour is None or colour is True)):
            from platekit.inference.region import plate_colour_classifier

            if colour is None or colour is True:
                shipped = shipped_models("plate_colour").get("colour")
                self.colour = plate_colour_classifier(shipped, threads) if shipped else None
            elif isinstance(colour, str | os.PathLike):
                self.colour = plate_colour_classifier(resolve_model(colour, "plate_colour"), threads)
            else:
                self.colour = colour
        # specialist readers by plate colour (a cn reader for plates seen green): None or True: the shipped recognizers
        # whose sidecar names a "colour"; a {colour: path or recognizer} dict; False: none
        self.colour_readers: dict[str, Recognizer] = {}
        if self.colour is not None and colour_readers is not False:
            if colour_readers is None or colour_readers is True:
                for p in shipped_models("recognizer").values():
                    c = load_sidecar(p).get("colour")
                    if c:
                        self.colour_readers[str(c)] = OnnxRecognizer(p, threads, text_prior=text_prior)
            else:
                self.colour_readers = {str(c): OnnxRecognizer(resolve_model(r, "recognizer"), threads,
                                                              text_prior=text_prior)
                                       if isinstance(r, str | os.PathLike) else r for c, r in colour_readers.items()}

    # every __init__ setting but the models: what a reader for another region keeps (tests check the list is whole)
    SETTINGS = ("threads", "min_confidence", "crops", "refine_below", "refine_crops", "verify_low", "verify_confidence",
                "color", "route_confidence", "route_weighting", "reduced_decode", "stitch_below", "text_prior",
                "detect_retry", "detect_size")

    def for_region(self, region: str) -> Reader:
        """A Reader for ``region`` with every setting of this one and the same detector object (not loaded again),
        reading with that region's shipped recognizers (``auto``: every shipped one and the shipped router)."""
        return Reader(region=region, detector=self.detector, colour=self.colour if self.colour is not None else False,
                      colour_readers=self.colour_readers if self.colour is not None else False,
                      **{k: getattr(self, k) for k in self.SETTINGS})

    # --- stages ---------------------------------------------------------------------------
    def _detections(self, px: Pixels, retry: bool = False) -> list[Detection]:
        """Plates in full-resolution pixels (the detector runs on ``px.image``; its retry on ``px.full()``)."""
        if self.detector is None:  # crop mode: the whole image is the plate
            h, w = px.shape
            corners = ((0.0, 0.0), (w - 1.0, 0.0), (w - 1.0, h - 1.0), (0.0, h - 1.0))
            return [Detection((0.0, 0.0, float(w), float(h)), corners, 1.0)]
        thr = getattr(self.detector, "score_threshold", None)
        if self.verify_low > 0 and thr is not None:
            dets = self.detector.detect(px.image, threshold=thr * self.verify_low)  # type: ignore[call-arg]
        else:
            dets = self.detector.detect(px.image)
        if retry and hasattr(self.detector, "detect_retry") and not any(
                thr is None or d.confidence >= thr for d in dets):
            # nothing found (low verify_low candidates aside): the detector's later looks (other canvases), from
            # full-resolution pixels (a reduced JPEG decode would be upscaled there; decoded once, as for reading)
            again = self.detector.detect_retry(px.full())
            if again:
                return list(again)
        return [px.to_full(d) for d in dets]

    def _verified(self, d: Detection, r: Reading) -> bool:
        """False for a low-score candidate (verify_low) that the recognizer did not confirm."""
        thr = getattr(self.detector, "score_threshold", None)
        if self.verify_low > 0 and thr is not None and d.confidence < thr:
            return r.format is not None and r.confidence >= self.verify_confidence
        return True

    @staticmethod
    def _corners(d: Detection) -> np.ndarray:
        if d.corners is not None:
            return np.asarray(d.corners, np.float32).reshape(4, 2)
        x1, y1, x2, y2 = d.box
        return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], np.float32)

    def _crops(self, px: Pixels, dets: list[Detection], rec: Recognizer) -> list[np.ndarray]:
        h, w = rec.input_size
        if self.detector is None:  # crop mode: plain resize (as the recognizers' eval crops)
            return [cv2.resize(px.full(), (w, h), interpolation=cv2.INTER_AREA) for _ in dets]
        return [px.rectify(self._corners(d), (w, h), rec.crop_margin) for d in dets]

    @staticmethod
    def _better(a: Reading, b: Reading, wa: float = 1.0, wb: float = 1.0) -> bool:
        """Fits a format first, then confidence x weight (the router's probability for the reader's region)."""
        return (a.format is not None, a.confidence * wa) > (b.format is not None, b.confidence * wb)

    # crop variants for uncertain plates: (extra margin x, extra margin y, shift x, shift y) as
    # fractions of the plate size -- imitate small detector corner errors
    VARIANTS = ((0.04, 0.08, 0, 0), (-0.02, -0.04, 0, 0), (0, 0, 0.02, 0), (0, 0, -0.02, 0), (0, 0, 0, 0.06),
                (0, 0, 0, -0.06))

    def _route(self, px: Pixels, dets: list[Detection]) -> list[dict[int, float]]:
        """Per detection, {index of a recognizer allowed to read it: weight of its readings}: every
        recognizer at weight 1 without a router; with one, the routed region's recognizers alone when
        the router is sure, else every recognizer weighted by the router's probability of its region."""
        every = dict.fromkeys(range(len(self.recognizers)), 1.0)
        if self.router is None or not dets:
            return [every for _ in dets]
        h, w = self.router.input_size
        p = self.router.probs([px.rectify(self._corners(d), (w, h), self.router.crop_margin) for d in dets])
        regions = [getattr(r, "region", None) for r in self.recognizers]
        col = {c: j for j, c in enumerate(self.router.classes)}
        out = []
        for row in p:
            c = int(row.argmax())
            ks = {k: 1.0 for k, reg in enumerate(regions) if reg == self.router.classes[c]}
            if row[c] >= self.route_confidence and ks:
                out.append(ks)
            else:  # unsure: every reader; a region the router finds unlikely needs a far surer reading
                out.append({k: float(row[col[reg]]) if reg in col and self.route_weighting else 1.0
                            for k, reg in enumerate(regions)})
        return out

    def _refine(self, px: Pixels, dets: list[Detection], best: list[Reading | None],
                src: list[int | None], allowed: list[dict[int, float]]) -> None:
        """Re-read plates whose confidence < refine_below from slightly moved crops; keep the best."""
        todo = [i for i, r in enumerate(best) if r is not None and r.confidence < self.refine_below]
        if not todo:
            return
        for k, rec in enumerate(self.recognizers):
            h, w = rec.input_size
            crops, owner = [], []
            for i in (i for i in todo if k in allowed[i]):
                c = self._corners(dets[i])
                if self.detector is not None:  # detected corners get the reader's margin; a given crop (crop mode) has it
                    c = expand_corners(c, rec.crop_margin, 2 * rec.crop_margin)
                right, down = (c[1] - c[0] + c[2] - c[3]) / 2, (c[3] - c[0] + c[2] - c[1]) / 2
                for mx, my, sx, sy in self.VARIANTS:
                    v = expand_corners(c, mx, my) + right * sx + down * sy
                    crops.append(px.rectify(v, (w, h), 0.0))
                    owner.append(i)
            for i, r in zip(owner, rec.read(crops), strict=True):
                if self._better(r, best[i], allowed[i][k], allowed[i][src[i]]):
                    best[i], src[i] = r, k

    def _stitch(self, px: Pixels, dets: list[Detection], best: list[Reading | None], src: list[int | None],
                allowed: list[dict[int, float]]) -> dict[int, str]:
        """Squat plates (corner aspect < stitch_below) read again, rows side by side, by each reader whose
        region has multi-row types (cn: the two-row yellow plate); a better reading replaces the one-row one.
        -> {plate index: the multi-row type it was read as}."""
        types: dict[int, str] = {}
        if self.stitch_below <= 0 or self.detector is None:
            return types
        squat = [i for i, d in enumerate(dets) if corner_aspect(self._corners(d)) < self.stitch_below]
        for k, rec in enumerate(self.recognizers):
            idx = [i for i in squat if k in allowed[i]]
            layouts = row_layouts(getattr(rec, "region", None)) if idx else ()
            h, w = rec.input_size
            for lay in layouts:
                src_size = stitch_source_size((w, h), lay.aspect)
                # the reduced-decode rule per row: the lowest row must get at least min_rows x h source rows
                need = int(np.ceil(h / min(y1 - y0 for _, y0, _, y1 in lay.row_boxes)))
                crops = [stitch_rows(px.rectify(self._corners(dets[i]), src_size, rec.crop_margin, rows_needed=need),
                                     lay.row_boxes, rec.crop_margin, (w, h)) for i in idx]
                fmt = get_format(lay.name)
                for i, r in zip(idx, rec.read(crops), strict=True):
                    if best[i] is None or self._better(r, best[i], allowed[i][k], allowed[i].get(src[i], 1.0)):
                        best[i], src[i] = r, k
                        if fmt.validate(r.text):  # the type only when the text fits it
                            types[i] = lay.name
                        else:
                            types.pop(i, None)
        return types

    def _colour_read(self, px: Pixels, dets: list[Detection], best: list[Reading | None],
                     colours: dict[int, str]) -> None:
        """Plates of a colour that has a specialist reader (the shipped green one) read again by it; its reading
        replaces the first when better (fits a format first, then confidence). The plate keeps its first reader's
        region."""
        for colour, rec in self.colour_readers.items():
            idx = [i for i, c in colours.items() if c == colour and best[i] is not None]
            if not idx:
                continue
            for i, r in zip(idx, rec.read(self._crops(px, [dets[i] for i in idx], rec)), strict=True):
                if self._better(r, best[i]):  # type: ignore[arg-type]
                    best[i] = r

    def _colours(self, work: list[list[int]], crops: list[list[np.ndarray]], src: list[int | None]) -> dict[int, str]:
        """{plate index: its background colour} for plates read by a reader whose region has coloured types (cn),
        from the crops that reader first read (``colours(crops)`` of the colour classifier: a colour, or None when it
        is not sure or the crop is grey)."""
        if self.colour is None:
            return {}
        idx, todo = [], []
        for k, (rec, ids, cs) in enumerate(zip(self.recognizers, work, crops, strict=True)):
            if getattr(rec, "region", None) != "cn":
                continue
            for i, c in zip(ids, cs, strict=True):
                if src[i] == k:
                    idx.append(i)
                    todo.append(c)
        if not todo:
            return {}
        return {i: c for i, c in zip(idx, self.colour.colours(todo), strict=True) if c is not None}

    def process(self, image: np.ndarray, min_confidence: float | None = None,
                retry: bool | None = None) -> tuple[list[Plate], dict[str, float]]:
        """RGB uint8 image -> (plates, per-stage milliseconds {detect, rectify, read}). ``retry``: the detector's
        second look for an empty image (None: ``detect_retry``; video frames pass False: a far plate that comes
        closer is found on a later frame, and most frames of a stream have no plate)."""
        plates, ms, _ = self._process(Pixels(image), min_confidence, retry)
        return plates, ms

    def _process(self, px: Pixels, min_confidence: float | None,
                 retry: bool | None = None) -> tuple[list[Plate], dict, list[Detection]]:
        """-> (plates, stage ms, unread: detected plates whose reading is empty, below min_confidence or,
        with region auto, fits no format of its reader). A full-resolution decode the plates needed after
        detection is not counted in these stages (``px.full_ms``)."""
        min_conf = self.min_confidence if min_confidence is None else float(min_confidence)
        t0 = time.perf_counter()
        dets = self._detections(px, self.detect_retry if retry is None else retry)
        t1 = time.perf_counter()
        late1 = px.full_ms
        allowed = self._route(px, dets)  # per plate, the recognizers that read it
        work = [[i for i in range(len(dets)) if k in allowed[i]] for k in range(len(self.recognizers))]
        crops = [self._crops(px, [dets[i] for i in idx], rec) for rec, idx in zip(self.recognizers, work, strict=True)]
        t2 = time.perf_counter()
        late2 = px.full_ms
        best: list[Reading | None] = [None] * len(dets)
        src: list[int | None] = [None] * len(dets)  # the index of each best reading's recognizer
        for k, (rec, idx, cs) in enumerate(zip(self.recognizers, work, crops, strict=True)):
            for i, r in zip(idx, rec.read(cs) if cs else [], strict=True):
                if best[i] is None or self._better(r, best[i], allowed[i][k], allowed[i][src[i]]):
                    best[i], src[i] = r, k
        if self.refine_below > 0 and (self.detector is not None or self.refine_crops):
            self._refine(px, dets, best, src, allowed)
        stitched = self._stitch(px, dets, best, src, allowed)
        colours = self._colours(work, crops, src)
        self._colour_read(px, dets, best, colours)
        t3 = time.perf_counter()
        plates, unread = [], []
        for i, (d, r, k) in enumerate(zip(dets, best, src, strict=True)):
            if r is None or not self._verified(d, r):
                continue
            if not r.text or r.confidence < min_conf or (self.region == "auto" and r.format is None):
                unread.append(d)  # auto never guesses: a reading no format of its reader fits stays unread
                continue
            corners = tuple((float(x), float(y)) for x, y in self._corners(d))
            region = getattr(self.recognizers[k], "region", None)
            plates.append(Plate(r.text, r.confidence, r.char_confidences, tuple(d.box), corners, d.confidence,
                                r.format, region, stitched.get(i) or _plate_type(r.text, region, colours.get(i)),
                                colours.get(i)))
        ms = {"detect": (t1 - t0) * 1e3, "rectify": (t2 - t1) * 1e3 - (late2 - late1),
              "read": (t3 - t2) * 1e3 - (px.full_ms - late2)}
        return plates, ms, unread

    # --- public API -----------------------------------------------------------------------
    def load(self, item: ImageLike, name: str | None = None, color: str | None = None,
             warnings: list[str] | None = None) -> np.ndarray:
        """Path, encoded bytes or array (channel order ``color``, default the Reader's) -> upright RGB
        uint8; damage decoded anyway is described in ``warnings``."""
        if isinstance(item, np.ndarray):
            return as_rgb(item, color or self.color, name or "<array>")
        if isinstance(item, bytes | bytearray):
            return decode_image(bytes(item), name or "<bytes>", warnings=warnings)
        if isinstance(item, str | os.PathLike):
            return load_image(str(item), warnings=warnings)
        raise PlatekitError(f"cannot read a {type(item).__name__}: give a path, bytes or a uint8 array")

    def pixels(self, item: ImageLike | Pixels, name: str | None = None, color: str | None = None) -> Pixels:
        """Like :meth:`load`, but a large JPEG comes back decoded at 1/f for the detector (``reduced_decode``),
        its full-resolution pixels decoded later only if a plate needs them (``Pixels.full()``); damage read
        anyway is in ``Pixels.warnings``. A ``Pixels`` is returned as it is, so one decode can serve
        :meth:`read_result` and a drawing."""
        if isinstance(item, Pixels):
            return item
        notes: list[str] = []
        if not isinstance(item, bytes | bytearray | str | os.PathLike) or not self.reduced_decode or self.detector is None:
            return Pixels(self.load(item, name, color, notes), warnings=notes)
        if isinstance(item, str | os.PathLike):
            name, buf = name or str(item), read_file(str(item))
        else:
            name, buf = name or "<bytes>", bytes(item)
        head = read_head(buf)
        # (h, w) the detector decodes for (OnnxDetector: never below its sidecar's canvas); a custom one may have none
        size = getattr(self.detector, "decode_size", None) or getattr(self.detector, "input_size", None)
        f = 1
        if (head is not None and head.format == "JPEG" and isinstance(size, tuple | list) and len(size) == 2
                and all(isinstance(v, int | np.integer) and v > 0 for v in size)):
            check_size(head.width, head.height, name)  # a bad header fails as it does without reduction
            f = jpeg_reduction(head.width, head.height, (int(size[0]), int(size[1])))
        if f == 1:
            return Pixels(decode_image(buf, name, warnings=notes), warnings=notes)
        small = decode_image(buf, name, warnings=notes, reduce=f)
        want = (-(-head.height // f), -(-head.width // f))  # libjpeg rounds each side up
        # not what DCT scaling gives, or too square to tell an EXIF turn from none: decode it whole
        if small.shape[:2] not in (want, want[::-1]) or (want[0] == want[1] and head.width != head.height):
            notes = []
            return Pixels(decode_image(buf, name, warnings=notes), warnings=notes)
        shape = (head.height, head.width) if small.shape[:2] == want else (head.width, head.height)  # EXIF turns
        return Pixels(small, lambda: decode_image(buf, name), shape, warnings=notes)

    def read(self, image: ImageLike, color: str | None = None, min_confidence: float | None = None) -> list[Plate]:
        """One image -> its plates, best detection first.

        image: a path, encoded bytes (jpeg, png ...) or a uint8 array in ``color`` order (default the
        Reader's, ``bgr``: what ``cv2.imread`` and ``cv2.VideoCapture`` give). min_confidence: this
        call's threshold (default the Reader's).
        """
        return self._process(self.pixels(image, color=color), min_confidence)[0]

    def read_many(self, images: Iterable[ImageLike], color: str | None = None, workers: int = 1) -> list[list[Plate]]:
        """Several images -> one list of plates per image, in input order (errors raise, see read_result).

        ``workers`` > 1: that many threads share this Reader (onnxruntime and OpenCV release the GIL), so
        one image is decoded while another is detected or read; at most ``2 * workers`` images are in
        flight. For many files, ``platekit read --workers N`` (processes) scales further (docs/scale.md).
        """
        if workers <= 1:
            return [self.read(im, color) for im in images]
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        out: list[list[Plate]] = []
        with ThreadPoolExecutor(workers) as pool:
            pending: deque = deque()
            for im in images:
                pending.append(pool.submit(self.read, im, color))
                if len(pending) >= 2 * workers:
                    out.append(pending.popleft().result())
            out.extend(f.result() for f in pending)
        return out

    def read_result(self, item: ImageLike | Pixels, name: str | None = None, color: str | None = None,
                    min_confidence: float | None = None) -> tuple[ImageResult, dict[str, float]]:
        """-> (ImageResult for the JSON contract, per-stage ms incl. decode). Raises ImageError."""
        t0 = time.perf_counter()
        px = self.pixels(item, name, color)  # a Pixels given: decoded before, not timed here
        decode_ms = (time.perf_counter() - t0) * 1e3
        plates, ms, unread = self._process(px, min_confidence)
        ms = {"decode": decode_ms + px.full_ms, **ms}
        h, w = px.shape
        result = ImageResult(_label(item, name), w, h, sum(ms.values()), tuple(plates), len(unread), px.warnings,
                             tuple(tuple(float(v) for v in d.box) for d in unread))
        return result, ms


def _label(item: ImageLike, name: str | None) -> str:
    if name is not None:
        return name
    if isinstance(item, str | os.PathLike):
        return str(item)
    return "<bytes>" if isinstance(item, bytes | bytearray) else "<array>"


def _plate_type(text: str, region: str | None, colour: str | None = None) -> str | None:
    """The plate type the text fits (``cn-blue``, ``cn-green``, ``cn-learner``, ``ru``, ...), or None: every
    type of the region (``Region.types``: cn's special types 学 警 港 ... too, whatever the reader's alphabet);
    of several that fit, the one of the plate's ``colour`` (``cn-yellow`` for a 7-character text on yellow)."""
    fmt = REGIONS[region].guess_type(text, colour) if region in REGIONS else guess_format(text)
    return fmt.name if fmt is not None else None


__all__ = ["Reader", "Pixels", "STAGES", "COLORS", "DEFAULT_MIN_CONFIDENCE", "as_rgb"]
