"""Are predicted corners good enough to read from?

Reads every CCPD validation plate twice with a recognizer (.onnx + sidecar): once from the crop
rectified by the *labelled* corners, once from the crop rectified by the detector's *predicted*
corners (the matched detection, IoU >= 0.5, at the detector's operating threshold). A missed
plate counts as wrong on the predicted side.

It also runs the whole ``Reader`` path (rectify, read, re-read uncertain plates from slightly moved
crops) twice: with the labelled corners fed through a stub detector (the swappable ``Detector``
interface), and with the real detector -- the same comparison as the pipeline runs it.

    python scripts/detector_corner_check.py --detector src/platekit/weights/detector.onnx \
        --recognizer src/platekit/weights/rec_cn.onnx --data ../shared/data/ccpd2019_base
"""

from __future__ import annotations

import argparse
import json
from types import SimpleNamespace

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--detector", default="src/platekit/weights/detector.onnx")
    ap.add_argument("--recognizer", default="src/platekit/weights/rec_cn.onnx")
    ap.add_argument("--data", default="../shared/data/ccpd2019_base")
    ap.add_argument("--split", default="val")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", default=None, help="write the JSON result here too")
    ap.add_argument("--pred-margin", type=float, default=None,
                    help="crop margin for predicted-corner crops (default: the recognizer's crop_margin)")
    args = ap.parse_args()

    from platekit.cli.eval_detector import load_eval_records
    from platekit.core.geometry import box_iou, rectify
    from platekit.core.image import load_image
    from platekit.evaluation.detector import DetectorRunner
    from platekit.inference.recognizer import OnnxRecognizer

    det = DetectorRunner(args.detector, threads=1)
    rec = OnnxRecognizer(args.recognizer, threads=1)
    h, w = rec.input_size
    pred_margin = rec.crop_margin if args.pred_margin is None else args.pred_margin
    records = load_eval_records(args.data, args.split)[: args.limit]
    n = ok_gt = ok_pred = detected = 0
    ok_pred_on_detected = ok_gt_on_detected = 0
    for r in records:
        img = load_image(r["path"])
        d = det.detect(img, det.score_threshold, det.nms_iou)
        gt_c = np.asarray(r["corners"], np.float32).reshape(-1, 4, 2)
        gt_b = np.asarray(r["boxes"], np.float32).reshape(-1, 4)
        ious = box_iou(gt_b, d[:, 1:5]) if len(d) else np.zeros((len(gt_b), 0))
        for j in range(len(gt_b)):
            n += 1
            text = r["text"]
            crops = [rectify(img, gt_c[j], (w, h), rec.crop_margin)]
            k = int(ious[j].argmax()) if ious.shape[1] else -1
            hit = k >= 0 and ious[j, k] >= 0.5
            if hit:
                crops.append(rectify(img, d[k, 5:13].reshape(4, 2), (w, h), pred_margin))
            reads = rec.read(crops)
            g = reads[0].text == text
            p = hit and reads[1].text == text
            ok_gt += g
            ok_pred += p
            if hit:
                detected += 1
                ok_gt_on_detected += g
                ok_pred_on_detected += p
    # the Reader path: labelled corners (stub detector) vs predicted corners (the ONNX detector)
    from platekit.core.results import Detection
    from platekit.evaluation.bench import match
    from platekit.inference.reader import Reader

    class LabelledCorners:  # a Detector returning the labelled plates of the current image
        score_threshold = None

        def __init__(self):
            self.record = None

        def detect(self, image):
            c = np.asarray(self.record["corners"], np.float32).reshape(-1, 4, 2)
            b = np.asarray(self.record["boxes"], np.float32).reshape(-1, 4)
            return [Detection(tuple(map(float, bb)), tuple(map(tuple, cc.tolist())), 1.0) for bb, cc in zip(b, c, strict=True)]

    stub = LabelledCorners()
    readers = {"labelled": Reader(region=rec.region, detector=stub, recognizer=args.recognizer),
               "predicted": Reader(region=rec.region, detector=args.detector, recognizer=args.recognizer)}
    ok_reader = dict.fromkeys(readers, 0)
    for r in records:
        stub.record = r
        img = load_image(r["path"])
        for name, reader in readers.items():
            plates, _ = reader.process(img)
            label = SimpleNamespace(box=np.asarray(r["boxes"], np.float32).reshape(-1, 4)[0], text=r["text"])
            ok_reader[name] += match(plates, label)[1]
    res = {
        "plates": n,
        "detected": detected,
        "accuracy_labelled_corners": ok_gt / max(n, 1),
        "accuracy_predicted_corners": ok_pred / max(n, 1),
        "accuracy_labelled_corners_on_detected": ok_gt_on_detected / max(detected, 1),
        "accuracy_predicted_corners_on_detected": ok_pred_on_detected / max(detected, 1),
        "reader_accuracy_labelled_corners": ok_reader["labelled"] / max(n, 1),
        "reader_accuracy_predicted_corners": ok_reader["predicted"] / max(n, 1),
        "detector": args.detector,
        "recognizer": args.recognizer,
        "crop_margin": rec.crop_margin,
        "pred_margin": pred_margin,
    }
    print(json.dumps(res, indent=2))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
