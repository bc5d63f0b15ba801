"""Plate detector: shapes, assignment, loss falls on a tiny set, flip keeps corners consistent, NMS,
metrics, ONNX export parity. Tiny models and generated images only (plus a skipped-if-absent data test)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from platekit.core.geometry import order_corners
from platekit.evaluation.detector import ImageGT, average_precision, match, postprocess, summarize
from platekit.models.registry import create_model
from platekit.train.detector import (
    DetDataConfig,
    DetLossConfig,
    assign,
    augment,
    collate,
    detection_loss,
    hflip,
    letterbox,
)

DATA = Path(__file__).parents[1].parent / "shared" / "data"
ROOT = Path(__file__).parents[1]
torch.set_num_threads(1)


def tiny(size: int = 64):
    torch.manual_seed(0)
    return create_model(
        "plate_detector", backbone="mobilenetv4_conv_small_050", width=16, bifpn_repeats=1, head_convs=1,
        input_size=(size, size),
    )


def scene(rng: np.random.Generator, size: int = 64):
    """A noisy background with one tilted bright 'plate' quad -> (image, box [1,4], corners [1,4,2])."""
    img = rng.integers(0, 90, (size, size, 3), dtype=np.uint8)
    w, h = rng.uniform(0.3, 0.5) * size, rng.uniform(0.1, 0.18) * size
    cx, cy = rng.uniform(w / 2 + 2, size - w / 2 - 2), rng.uniform(h / 2 + 2, size - h / 2 - 2)
    sk = rng.uniform(-0.15, 0.15) * h
    c = np.array([[cx - w / 2, cy - h / 2 + sk], [cx + w / 2, cy - h / 2 - sk],
                  [cx + w / 2, cy + h / 2 - sk], [cx - w / 2, cy + h / 2 + sk]], np.float32)
    cv2.fillPoly(img, [c.round().astype(np.int32)], (240, 240, 40))
    box = np.array([[c[:, 0].min(), c[:, 1].min(), c[:, 0].max(), c[:, 1].max()]], np.float32)
    return img, box, c[None]


def test_shapes_and_export_contract():
    m = tiny().eval()
    x = torch.randint(0, 256, (2, 64, 64, 3), dtype=torch.uint8)
    out = m(x)
    a = 8 * 8 + 4 * 4 + 2 * 2  # strides 8, 16, 32
    assert out["logits"].shape == (2, a)
    assert out["boxes"].shape == (2, a, 4) and out["corners"].shape == (2, a, 8)
    assert out["points"].shape == (a, 2) and out["strides"].shape == (a,)
    det = m.forward_export(x)
    assert det.shape == (2, a, 13) and det.dtype == torch.float32
    assert ((det[..., 0] >= 0) & (det[..., 0] <= 1)).all()
    assert (det[..., 3] >= det[..., 1]).all() and (det[..., 4] >= det[..., 2]).all()  # x2 >= x1, y2 >= y1


def test_slimmer_detector_starts_from_a_full_checkpoint(tmp_path):
    from platekit.models.detector import FactorizedConv
    from platekit.models.registry import save_checkpoint
    from platekit.train.detector import init_detector

    full = tiny()
    ckpt = str(tmp_path / "full.pt")
    save_checkpoint(ckpt, full)
    slim = create_model("plate_detector", backbone="mobilenetv4_conv_small_050", width=16, bifpn_repeats=1,
                        head_convs=1, input_size=(64, 64), skip_blocks=["16.2", "32.3"], factorize_blocks=["4.0"])
    assert isinstance(slim.backbone.stage16[2], torch.nn.Identity)
    assert isinstance(slim.backbone.stage4[0].conv, FactorizedConv)
    loaded, total = init_detector(slim, ckpt)
    assert loaded == total  # every kept tensor, the factorized conv included
    key = "backbone.stage16.5.dw_start.conv.weight"  # a kept block keeps its name and its weights
    assert torch.equal(full.state_dict()[key], slim.state_dict()[key])
    assert sum(p.numel() for p in slim.parameters()) < sum(p.numel() for p in full.parameters())
    out = slim.eval().forward_export(torch.zeros(1, 64, 96, 3, dtype=torch.uint8))
    assert out.shape == (1, 8 * 12 + 4 * 6 + 2 * 3, 13)
    with pytest.raises(ValueError, match="no residual"):
        create_model("plate_detector", backbone="mobilenetv4_conv_small_050", skip_blocks=["16.0"])
    with pytest.raises(ValueError, match="no backbone block"):
        create_model("plate_detector", backbone="mobilenetv4_conv_small_050", skip_blocks=["16.9"])


def test_factorized_conv_is_exact_for_rank_one_kernels():
    from platekit.models.detector import FactorizedConv

    torch.manual_seed(1)
    w = torch.randn(8, 1, 1, 1) * torch.randn(1, 4, 3, 3)  # each input channel's kernels: rank one
    dw, pw, kept = FactorizedConv.from_full(w)
    f = FactorizedConv(4, 8, 3, 2)
    f.dw.weight.data, f.pw.weight.data = dw, pw
    x = torch.randn(2, 4, 16, 16)
    assert kept == pytest.approx(1.0)
    assert torch.allclose(f(x), torch.nn.functional.conv2d(x, w, stride=2, padding=1), atol=1e-4)
    _, _, kept_random = FactorizedConv.from_full(torch.randn(8, 4, 3, 3))
    assert kept_random < 0.9


def test_assign_gives_every_plate_a_location():
    m = tiny(96).eval()
    out = m(torch.zeros(1, 96, 96, 3, dtype=torch.uint8))
    boxes = torch.tensor([[[10.0, 10, 30, 16], [50, 60, 90, 80], [0, 0, 0, 0]]])
    t = {"boxes": boxes, "valid": torch.tensor([[True, True, False]])}
    pos, gi = assign(out["points"], out["strides"], t, DetLossConfig())
    for j in (0, 1):
        sel = pos[0] & (gi[0] == j)
        assert sel.any(), f"plate {j} got no positive location"
        p = out["points"][sel]
        b = boxes[0, j]
        assert ((p[:, 0] - (b[0] + b[2]) / 2).abs() <= 2.5 * 32).all()
    assert not (pos[0] & (gi[0] == 2)).any()


def test_loss_falls_on_tiny_set():
    rng = np.random.default_rng(0)
    batch = [scene(rng) for _ in range(8)]
    images, targets = collate([(i, b, c, np.ones(1, np.float32)) for i, b, c in batch])
    m = tiny().train()
    opt = torch.optim.AdamW(m.parameters(), 3e-3)
    cfg = DetLossConfig()
    losses = []
    for _ in range(40):
        loss = detection_loss(m(images), targets, cfg)
        opt.zero_grad()
        loss["loss"].backward()
        opt.step()
        losses.append(float(loss["loss"].detach()))
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:3]), losses


def test_corner_loss_is_masked_without_corners():
    rng = np.random.default_rng(1)
    img, box, c = scene(rng)
    m = tiny().train()
    out = m(torch.from_numpy(img[None]))
    far = c + 1000  # nonsense corners must not matter when has_corners = 0
    _, t0 = collate([(img, box, c, np.zeros(1, np.float32))])
    _, t1 = collate([(img, box, far, np.zeros(1, np.float32))])
    l0, l1 = detection_loss(out, t0, DetLossConfig()), detection_loss(out, t1, DetLossConfig())
    assert float(l0["kp"]) == 0.0 and float(l0["loss"]) == pytest.approx(float(l1["loss"]))


def test_flip_keeps_corners_consistent():
    rng = np.random.default_rng(2)
    img, box, c = scene(rng, 96)
    # paint a marker inside the plate near its left-top corner: after the flip it must sit near 'rt'
    lt = c[0, 0] + (c[0, 2] - c[0, 0]) * 0.15
    cv2.circle(img, tuple(int(v) for v in lt), 2, (255, 0, 0), -1)
    f_img, f_box, f_c = hflip(img, box, c)
    np.testing.assert_allclose(f_c[0], order_corners(f_c[0]), atol=1e-5)  # still lt, rt, rb, lb
    assert f_box[0, 0] < f_box[0, 2]
    ys, xs = np.where((f_img[..., 0] == 255) & (f_img[..., 1] == 0))
    marker = np.array([xs.mean(), ys.mean()])
    d = np.linalg.norm(f_c[0] - marker, axis=1)
    assert d.argmin() == 1  # the old left-top corner is the new right-top
    b_img, b_box, b_c = hflip(f_img, f_box, f_c)
    np.testing.assert_array_equal(b_img, img)
    np.testing.assert_allclose(b_c, c, atol=1e-4)
    np.testing.assert_allclose(b_box, box, atol=1e-4)


def test_augment_keeps_labels_on_the_plate():
    rng = np.random.default_rng(3)
    img, box, c = scene(rng, 200)
    rec = {"height": 200, "width": 200, "boxes": box.tolist(), "corners": c.tolist()}
    cfg = DetDataConfig(train_size=96, color_p=0, blur_p=0, noise_p=0, jpeg_p=0, focus_p=1.0, flip_p=0.5)
    hits = 0
    for i in range(10):
        crop, b, cc, h = augment(img, 1.0, rec, cfg, (128, 128), np.random.default_rng(i))
        assert crop.shape == (96, 96, 3) and crop.dtype == np.uint8
        for q in cc:  # the plate colour sits inside the labelled quad
            mask = np.zeros(crop.shape[:2], np.uint8)
            cv2.fillPoly(mask, [q.round().astype(np.int32)], 1)
            inner = crop[mask.astype(bool)]
            if len(inner) > 10:
                assert (inner[:, 2] < 120).mean() > 0.7  # yellow plate: low blue
                hits += 1
            np.testing.assert_allclose(q, order_corners(q), atol=1e-4)
    assert hits >= 5


def test_nms_and_postprocess():
    raw = np.zeros((4, 13), np.float32)
    raw[:, 1:5] = [[10, 10, 50, 20], [11, 10, 51, 20], [100, 100, 140, 110], [0, 0, 5, 5]]
    raw[:, 0] = [0.9, 0.8, 0.7, 0.1]
    kept = postprocess(raw, 0.3, 0.4)
    assert kept[:, 0].tolist() == pytest.approx([0.9, 0.7])  # duplicate suppressed, low score dropped


def test_metrics_on_known_detections():
    gt = ImageGT(np.array([[10, 10, 50, 20], [100, 100, 140, 110]], np.float32),
                 np.array([[[10, 10], [50, 10], [50, 20], [10, 20]], [[100, 100], [140, 100], [140, 110], [100, 110]]],
                          np.float32))

    def row(s, b, corners):
        return np.concatenate([[s], b, np.asarray(corners).reshape(-1)]).astype(np.float32)

    perfect = np.stack([row(0.9, gt.boxes[i], gt.corners[i]) for i in range(2)])
    m = summarize([perfect], [gt], 0.5)
    assert m["ap50"] == pytest.approx(1.0) and m["recall"] == 1.0 and m["precision"] == 1.0
    assert m["corner_error_mean"] == pytest.approx(0.0)
    shifted = perfect.copy()
    shifted[0, 5:13] += 4.0  # corners off by (4, 4): |.| = 5.657 px on a 40 px wide plate
    fp = row(0.95, [200, 200, 240, 210], np.zeros(8))
    m2 = summarize([np.vstack([shifted, fp])], [gt], 0.5)
    assert m2["precision"] == pytest.approx(2 / 3) and m2["recall"] == 1.0
    assert m2["corner_error_mean"] == pytest.approx((np.hypot(4, 4) / 40 + 0) / 2, rel=1e-4)
    assert average_precision([match(np.vstack([shifted, fp]), gt)]) < 1.0
    assert m2["recall_at_p99"] == 0.0  # the best-scored detection is false: no threshold reaches 99%


def test_recall_by_plate_size():
    # image 400 px wide: a far plate (12 px = 3 %), a mid plate (60 px = 15 %), a near one (100 px = 25 %)
    boxes = np.array([[10, 10, 22, 14], [100, 100, 160, 115], [200, 200, 300, 230]], np.float32)
    gt = ImageGT(boxes, None, "scene", 400)
    found = np.stack([np.concatenate([[0.9], boxes[i], np.zeros(8)]) for i in (1, 2)]).astype(np.float32)
    m = summarize([found], [gt], 0.5)["recall_by_size"]
    assert m["<5%"] == {"plates": 1, "recall": 0.0}
    assert m["10-20%"] == {"plates": 1, "recall": 1.0} and m[">=20%"] == {"plates": 1, "recall": 1.0}
    assert m["5-10%"] == {"plates": 0, "recall": None}
    assert summarize([found], [ImageGT(boxes)], 0.5)["recall_by_size"]["<5%"]["plates"] == 0  # width unknown


def test_letterbox_rule():
    img = np.zeros((100, 50, 3), np.uint8)
    lb, s = letterbox(img, (64, 64))
    assert s == pytest.approx(0.64) and lb.shape == (64, 64, 3)
    assert (lb[:, 32:] == 114).all() and (lb[:, :32] == 0).all()


@pytest.mark.parametrize("raw", [True, False], ids=["raw", "decoded"])
def test_onnx_export_matches_torch(tmp_path, raw):
    """Both output contracts give forward_export's rows through OnnxDetector.run (raw: numpy decodes the
    anchors; the stem conv holds 1/std); dynamic batch."""
    pytest.importorskip("onnxruntime")
    from platekit.export.detector import export_detector
    from platekit.inference.detector import OnnxDetector

    m = tiny().eval()
    p = export_detector(m, tmp_path / "det.onnx", score_threshold=0.3, nms_iou=0.45, raw=raw)
    meta = json.loads(p.with_suffix(".json").read_text())
    assert meta["kind"] == "detector" and meta["input_size"] == [64, 64] and meta["pad_value"] == 114
    assert meta["letterbox"] == "top-left" and meta["score_threshold"] == 0.3 and meta["nms_iou"] == 0.45
    assert meta["output"]["name"] == ("raw" if raw else "detections")
    x = np.random.default_rng(0).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)  # batch 3: dynamic axis
    det = OnnxDetector(p)
    assert det.raw_output == raw
    y = det.run(x)
    with torch.no_grad():
        ref = m.forward_export(torch.from_numpy(x)).numpy()
    assert y.shape == ref.shape == (3, 84, 13)
    np.testing.assert_allclose(y, ref, atol=1e-3, rtol=1e-3)
    graph = det.session.run(None, {"image": x})[0]
    assert graph.shape == ((3, 13, 84) if raw else (3, 84, 13))


def test_raw_export_dynamic_canvas_matches_torch(tmp_path):
    """A raw dynamic-H/W graph on a non-square stride-32 canvas (what the Reader feeds a 16:9 frame) decodes
    to forward_export's rows; the raw torch output decoded in numpy is forward_export too."""
    pytest.importorskip("onnxruntime")
    from platekit.export.detector import export_detector
    from platekit.inference.detector import OnnxDetector, decode_raw

    m = tiny(96).eval()
    p = export_detector(m, tmp_path / "det.onnx", dynamic_hw=True)
    det = OnnxDetector(p)
    assert det.stride == 32 and json.loads(p.with_suffix(".json").read_text())["input_std_folded"] is True
    x = np.random.default_rng(1).integers(0, 256, (1, 64, 96, 3), dtype=np.uint8)
    with torch.no_grad():
        ref = m.forward_export(torch.from_numpy(x)).numpy()
        raw = m.forward_raw(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(decode_raw(raw, 64, 96, m.strides), ref, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(det.run(x), ref, atol=1e-3, rtol=1e-3)
    img = np.random.default_rng(2).integers(0, 256, (90, 160, 3), dtype=np.uint8)
    got, scale = det.raw(img)  # letterboxed to the smallest stride-32 canvas: 64 x 96
    assert got.shape == (len(ref[0]), 13) and scale == pytest.approx(0.6)


def test_decode_raw_min_score_keeps_exactly_the_rows_above_it():
    """Decoding only the locations above a score gives the full decode's rows above it, in the same order."""
    from platekit.inference.detector import decode_raw

    raw = np.random.default_rng(3).normal(0, 3, (1, 13, 84)).astype(np.float32)
    full = decode_raw(raw, 64, 64)[0]
    for thr in (0.05, 0.5, 0.9):
        part = decode_raw(raw, 64, 64, min_score=thr)[0]
        np.testing.assert_array_equal(part[part[:, 0] >= thr], full[full[:, 0] >= thr])
        assert (part[:, 0] >= thr - 1e-4).all()
    with pytest.raises(ValueError, match="one image"):
        decode_raw(np.concatenate([raw, raw]), 64, 64, min_score=0.5)


def test_raw_sidecar_on_a_decoded_graph_is_a_clear_error(tmp_path):
    from platekit.errors import PlatekitError
    from platekit.export.detector import export_detector
    from platekit.inference.detector import OnnxDetector

    p = export_detector(tiny().eval(), tmp_path / "det.onnx", raw=False)
    meta = json.loads(p.with_suffix(".json").read_text())
    meta["output"] = {**meta["output"], "decode": "numpy"}
    p.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(PlatekitError, match="raw"):
        OnnxDetector(p)


def test_decode_raw_rejects_a_canvas_that_does_not_fit():
    from platekit.inference.detector import decode_raw

    with pytest.raises(ValueError, match="does not fit"):
        decode_raw(np.zeros((1, 13, 84), np.float32), 96, 96)


def test_config_file_loads():
    from platekit.train.config import load_config
    from platekit.train.detector import DetectorTrainConfig

    cfg = load_config(DetectorTrainConfig, ROOT / "configs" / "det_mnv4s.yaml", ["trainer.max_epochs=1"])
    assert cfg.trainer.max_epochs == 1 and cfg.model.name == "plate_detector"


@pytest.mark.skipif(not (DATA / "ccpd2019_base").is_dir(), reason="real data not present at ../shared/data")
def test_ccpd_split_matches_project_split():
    from platekit.train.detector import ccpd_split

    tr, va = ccpd_split(str(DATA / "ccpd2019_base"), 0.2)
    assert (len(tr), len(va)) == (1382, 342)
    assert not {r["text"] for r in tr} & {r["text"] for r in va}
    c = np.asarray(va[0]["corners"][0])
    np.testing.assert_allclose(c, order_corners(c))


def test_eval_pipeline_on_generated_jsonl(tmp_path):
    """labels.jsonl -> records -> ONNX runner -> metrics + galleries (a tiny untrained model: only plumbing)."""
    from platekit.cli.eval_detector import load_eval_records
    from platekit.core.image import imwrite_rgb
    from platekit.evaluation.detector import DetectorRunner, evaluate_detector
    from platekit.export.detector import export_detector

    rng = np.random.default_rng(5)
    lines = []
    for split in ("train", "val"):
        for i in range(2):
            img, box, _ = scene(rng, 96)
            imwrite_rgb(str(tmp_path / split / f"{i}.png"), img)
            lines.append(json.dumps({"image": f"{split}/{i}.png", "width": 96, "height": 96, "boxes": box.tolist()}))
    (tmp_path / "labels.jsonl").write_text("\n".join(lines) + "\n")
    recs = load_eval_records(str(tmp_path), "val")
    assert len(recs) == 2 and all(r["path"].endswith(".png") and "val" in r["path"] for r in recs)
    onnx_path = export_detector(tiny(), tmp_path / "m" / "det.onnx")
    m = evaluate_detector(DetectorRunner(str(onnx_path)), recs, threshold=0.001, out_dir=str(tmp_path / "out"))
    assert m["images"] == 2 and m["plates"] == 2 and m["corner_error_mean"] is None
    assert 0.0 <= m["ap50"] <= 1.0 and m["tp"] + m["fn"] == 2
    assert (tmp_path / "out" / "report.json").is_file()
    assert m["gallery_false_positives"] is None or Path(m["gallery_false_positives"]).is_file()


def test_extra_train_scenes_all_train(tmp_path):
    """data.extra_train: every record of a detection JSONL trains (its folder names no split); a missing
    path is a clear error."""
    from platekit.core.image import imwrite_rgb
    from platekit.errors import PlatekitError
    from platekit.train.config import load_config
    from platekit.train.detector import DetectorTrainConfig, build_data

    rng = np.random.default_rng(3)
    lines = []
    for i in range(3):
        img, box, _ = scene(rng, 96)
        imwrite_rgb(str(tmp_path / "s" / "images" / f"{i}.png"), img)
        lines.append(json.dumps({"image": f"images/{i}.png", "width": 96, "height": 96, "boxes": box.tolist()}))
    (tmp_path / "s" / "labels.jsonl").write_text("\n".join(lines) + "\n")
    over = ["data.ccpd_root=null", "data.openlpr_root=null", f"data.cache_dir={tmp_path / 'cache'}",
            f"data.extra_train=[{{path: {tmp_path / 's'}, repeat: 2}}]"]
    cfg = load_config(DetectorTrainConfig, ROOT / "configs" / "det_mnv4s.yaml", over)
    train, vals = build_data(cfg, (64, 64))
    assert len(train.items) == 6 and vals == []
    bad = load_config(DetectorTrainConfig, ROOT / "configs" / "det_mnv4s.yaml",
                      over[:3] + [f"data.extra_train=[{{path: {tmp_path / 'nope'}}}]"])
    with pytest.raises(PlatekitError, match="extra_train"):
        build_data(bad, (64, 64))


def test_cli_export_writes_the_shipped_detector_form(tmp_path):
    """`platekit export` of a detector checkpoint writes what ships: the raw contract on dynamic stride-32
    canvases, readable by OnnxDetector with the checkpoint's own rows."""
    pytest.importorskip("onnxruntime")
    from platekit.cli.export import export_checkpoint
    from platekit.inference.detector import OnnxDetector
    from platekit.models.registry import save_checkpoint

    m = tiny(96).eval()
    save_checkpoint(str(tmp_path / "det.pt"), m, kind="detector", score_threshold=0.35, nms_iou=0.4)
    kind, _ = export_checkpoint(tmp_path / "det.pt", tmp_path / "det.onnx")
    det = OnnxDetector(tmp_path / "det.onnx")
    assert kind == "detector" and det.raw_output and det.stride == 32 and det.score_threshold == 0.35
    x = np.random.default_rng(4).integers(0, 256, (1, 64, 96, 3), dtype=np.uint8)
    with torch.no_grad():
        ref = m.forward_export(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(det.run(x), ref, atol=1e-3, rtol=1e-3)


def test_distill_loss_is_zero_on_the_teacher_and_pulls_a_student_towards_it():
    from platekit.train.detector import DetDistillConfig, distill_loss

    rng = np.random.default_rng(2)
    images = torch.from_numpy(np.stack([scene(rng)[0] for _ in range(2)]))
    teacher = tiny().eval()
    torch.manual_seed(5)
    student = create_model("plate_detector", backbone="mobilenetv4_conv_small_050", width=16, bifpn_repeats=1,
                           head_convs=1, input_size=(64, 64)).train()
    cfg = DetDistillConfig(teacher="unused", min_score=0.0)
    with torch.no_grad():
        t = teacher(images)
    same = distill_loss(t, t, cfg)
    assert float(same["distill"]) == pytest.approx(0.0, abs=1e-7)
    opt = torch.optim.AdamW(student.parameters(), 3e-3)
    losses = []
    for _ in range(30):
        d = distill_loss(student(images), t, cfg)["distill"]
        opt.zero_grad()
        d.backward()
        opt.step()
        losses.append(float(d))
    assert losses[-1] < 0.5 * losses[0], losses
    other = create_model("plate_detector", backbone="mobilenetv4_conv_small_050", width=16, bifpn_repeats=1,
                         head_convs=1, input_size=(64, 64)).eval()
    with pytest.raises(ValueError, match="locations differ"):
        distill_loss(other(images[:, :32]), t, cfg)


def test_training_step_adds_the_teachers_loss(tmp_path):
    """distill.teacher: the module loads the teacher outside its module tree (not trained, not saved) and
    adds the distillation loss to the label losses."""
    from platekit.models.registry import save_checkpoint
    from platekit.train.config import load_config
    from platekit.train.detector import DetectorTrainConfig, _lightning

    teacher = tiny()
    save_checkpoint(str(tmp_path / "teacher.pt"), teacher, kind="detector")
    args = ["model.args={backbone: mobilenetv4_conv_small_050, width: 16, bifpn_repeats: 1, head_convs: 1, "
            "input_size: [64, 64]}", f"distill.teacher={tmp_path / 'teacher.pt'}"]
    cfg = load_config(DetectorTrainConfig, ROOT / "configs" / "det_mnv4s.yaml", args)
    _, Module = _lightning()
    mod = Module(cfg, [])
    assert mod.teacher is not None and not any(k.startswith("teacher") for k in mod.state_dict())
    rng = np.random.default_rng(0)
    images, targets = collate([(i, b, c, np.ones(1, np.float32)) for i, b, c in (scene(rng) for _ in range(2))])
    mod.log = mod.log_dict = lambda *a, **k: None  # no trainer attached
    with_teacher = float(mod.training_step((images, targets), 0))
    mod.__dict__["teacher"] = None
    without = float(mod.training_step((images, targets), 0))
    assert with_teacher > without


def test_merge_detections_keeps_the_better_of_overlapping_plates():
    from platekit.core.results import Detection
    from platekit.inference.detector import merge_detections

    a = [Detection((10.0, 10.0, 40.0, 20.0), None, 0.9)]
    b = [Detection((11.0, 10.0, 41.0, 20.0), None, 0.95), Detection((50.0, 30.0, 110.0, 58.0), None, 0.6)]
    merged = merge_detections(a, b, 0.4)
    assert [d.confidence for d in merged] == [0.95, 0.6]  # the weaker duplicate dropped, best first
    assert merge_detections([], []) == [] and merge_detections(a, []) == a
