"""ONNX export of every registered recognizer: checker, uint8 NHWC input, dynamic batch, torch agreement."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch
from _read_fixtures import TinyCTC, TinySlots
from typer.testing import CliRunner

from platekit.cli.main import app
from platekit.export.onnx import ProbsHead, export_recognizer
from platekit.inference.recognizer import OnnxRecognizer
from platekit.inference.session import make_session
from platekit.models.registry import create_model, list_models, save_checkpoint

# same family, fewer layers: keeps this file fast (the full-size export is the same code path)
SMALLER = {"maskocr_base": dict(embed_dim=96, heads=4, depth=1, dec_depth=1)}
SIDECAR_KEYS = {"kind", "model", "region", "alphabet", "pad", "n_slots", "decoder", "crop_margin", "input"}


def check_export(model: torch.nn.Module, path, region: str) -> dict:
    torch.manual_seed(0)
    side = export_recognizer(model, {"region": region, "crop_margin": 0.1}, path)
    disk = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert disk == json.loads(json.dumps(side, default=list))
    assert SIDECAR_KEYS <= set(disk) and disk["kind"] == "recognizer" and disk["region"] == region
    assert (disk["input"]["layout"], disk["input"]["dtype"]) == ("NHWC", "uint8")
    assert disk["decoder"] == model.decoder and disk["crop_margin"] == 0.1
    g = onnx.load(str(path))
    onnx.checker.check_model(g, full_check=True)
    assert g.opset_import[0].version == 17
    inp = g.graph.input[0]
    assert inp.name == "image" and inp.type.tensor_type.elem_type == onnx.TensorProto.UINT8
    dims = inp.type.tensor_type.shape.dim
    assert dims[0].dim_param and [d.dim_value for d in dims[1:]] == [*model.input_size, 3]
    sess = make_session(path)
    h, w = model.input_size
    rng = np.random.default_rng(0)
    for n in (1, 3):  # dynamic batch
        x = rng.integers(0, 256, (n, h, w, 3), dtype=np.uint8)
        with torch.no_grad():
            ref = ProbsHead(model)(torch.from_numpy(x)).numpy()
        got = sess.run(None, {"image": x})[0]
        assert got.shape == ref.shape and got.shape[0] == n
        np.testing.assert_allclose(got, ref, atol=1e-4)
        np.testing.assert_allclose(got.sum(-1), 1.0, atol=1e-4)
    readings = OnnxRecognizer(path).read(list(rng.integers(0, 256, (2, h, w, 3), dtype=np.uint8)))
    assert len(readings) == 2
    return disk


@pytest.mark.parametrize("name", list_models("recognizer"))
def test_registered_recognizers_export(name, tmp_path):
    torch.manual_seed(0)
    model = create_model(name, region="cn", **SMALLER.get(name, {})).eval()
    check_export(model, tmp_path / f"{name}.onnx", "cn")


def test_ru_and_tiny_models_export(tmp_path):
    torch.manual_seed(0)
    disk = check_export(create_model("multihead", region="ru").eval(), tmp_path / "mh_ru.onnx", "ru")
    assert disk["n_slots"] == 9 and disk["pad"] == "-"
    check_export(TinySlots("cn").eval(), tmp_path / "tiny.onnx", "cn")
    assert check_export(TinyCTC("ru").eval(), tmp_path / "ctc.onnx", "ru")["decoder"] == "ctc"


def test_wrong_charset_is_refused(tmp_path):
    with pytest.raises(ValueError, match="classes"):
        export_recognizer(TinySlots("cn").eval(), {"region": "ru"}, tmp_path / "x.onnx")


def test_export_cli(tmp_path):
    torch.manual_seed(0)
    model = create_model("multihead", region="cn").eval()
    ckpt = tmp_path / "rec.pt"
    save_checkpoint(str(ckpt), model, region="cn", crop_margin=0.05)
    res = CliRunner().invoke(app, ["export", str(ckpt), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "recognizer" in res.stdout and "max |torch - onnxruntime|" in res.stdout
    diff = float(res.stdout.rsplit("=", 1)[1])
    assert diff < 1e-4
    side = json.loads((tmp_path / "out" / "rec.json").read_text(encoding="utf-8"))
    assert side["model"] == "multihead" and side["crop_margin"] == 0.05
    assert OnnxRecognizer(tmp_path / "out" / "rec.onnx").input_size == tuple(model.input_size)


def test_int8_quantization_keeps_the_recognizer_close(tmp_path):
    from platekit.export.quantize import quantize_recognizer

    torch.manual_seed(0)
    model = create_model("crnn_ctc", region="cn", widths=[8, 16, 16, 24], hidden=16, input_size=(32, 96)).eval()
    fp = tmp_path / "rec.onnx"
    export_recognizer(model, {"region": "cn", "crop_margin": 0.05}, fp)
    rng = np.random.default_rng(0)
    calib = rng.integers(0, 256, (16, 32, 96, 3), dtype=np.uint8)
    q = tmp_path / "rec_int8.onnx"
    info = quantize_recognizer(fp, q, calib)
    g = onnx.load(str(q))
    ops = {n.op_type for n in g.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops and info["calibration_crops"] == 16
    side = json.loads(q.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["quantization"]["ops"] == ["Conv"] and side["region"] == "cn"
    x = rng.integers(0, 256, (4, 32, 96, 3), dtype=np.uint8)
    a = make_session(fp).run(None, {"image": x})[0]
    b = make_session(q).run(None, {"image": x})[0]
    assert a.shape == b.shape and np.abs(a - b).max() < 0.05  # int8 convs: close, not identical
    assert np.abs(a - b).max() > 0  # it really is a different (quantized) graph
    assert len(OnnxRecognizer(q).read(list(x))) == 4
    # robust by construction: int8 conv weights use 7 bits, so u8 x s8 pair sums fit in int16 (no VNNI needed)
    from onnx import numpy_helper

    w8 = [numpy_helper.to_array(t) for t in g.graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert w8 and max(int(np.abs(w.astype(np.int32)).max()) for w in w8) <= 64
    chk = side["quantization"]["check"]
    assert chk["crops"] == 16 and 0.0 <= chk["this_cpu_kernels"] <= 1.0 and 0.0 <= chk["exact_reference"] <= 1.0


def test_int8_refuses_wrong_calibration_crops(tmp_path):
    from platekit.errors import PlatekitError
    from platekit.export.quantize import quantize_recognizer

    model = TinyCTC("cn").eval()
    fp = tmp_path / "rec.onnx"
    export_recognizer(model, {"region": "cn"}, fp)
    with pytest.raises(PlatekitError, match="calibration crops"):
        quantize_recognizer(fp, tmp_path / "q.onnx", np.zeros((2, 5, 5, 3), np.uint8))


def test_export_cli_int8_on_a_crop_folder(tmp_path):
    import cv2

    torch.manual_seed(0)
    model = create_model("crnn_ctc", region="cn", widths=[8, 16, 16, 24], hidden=16, input_size=(32, 96)).eval()
    ckpt = tmp_path / "rec.pt"
    save_checkpoint(str(ckpt), model, region="cn", crop_margin=0.05)
    crops = tmp_path / "crops"
    crops.mkdir()
    rng = np.random.default_rng(1)
    for text in ("皖A12345", "苏B67890", "沪C1D2E3"):
        ok, buf = cv2.imencode(".png", rng.integers(0, 256, (40, 120, 3), dtype=np.uint8))
        (crops / f"{text}.png").write_bytes(buf.tobytes())
    res = CliRunner().invoke(app, ["export", str(ckpt), "-o", str(tmp_path / "rec.onnx"), "--int8", str(crops)])
    assert res.exit_code == 0, res.output
    from platekit.data.readers import load_plates
    from platekit.data.split import split_by_text

    n_train = len(split_by_text(load_plates(str(crops)), 0.2)[0])  # calibration uses the train split only
    assert 0 < n_train < 3 and f"{n_train} calibration crops" in res.stdout
    side = json.loads((tmp_path / "rec_int8.json").read_text(encoding="utf-8"))
    assert side["quantization"]["calibration_crops"] == n_train


def test_onnx_ctc_reader_format_constrained_option(tmp_path):
    """Random weights read garbage: greedy (default) reports it as is, ctc_constrained forces a cn format."""
    from platekit.core.formats import get_region

    torch.manual_seed(1)
    model = create_model("crnn_ctc", region="cn", input_size=(32, 96), widths=(8, 16, 16, 24), hidden=16).eval()
    path = tmp_path / "ctc.onnx"
    export_recognizer(model, {"region": "cn", "crop_margin": 0.05}, path)
    crops = list(np.random.default_rng(0).integers(0, 256, (6, 32, 96, 3), dtype=np.uint8))
    cn = get_region("cn")
    free = OnnxRecognizer(path).read(crops)
    fixed = OnnxRecognizer(path, ctc_constrained=True).read(crops)
    assert all(cn.guess_format(r.text) is not None and r.format == "cn" for r in fixed)
    assert any(cn.guess_format(r.text) is None and r.format is None for r in free)  # greedy: invalid, flagged


def test_ensemble_export_averages_its_members(tmp_path):
    """``platekit export A B --ensemble -o E.onnx``: one graph whose probabilities are the mean of the members'
    (a member of another input size gets the crop resized inside); it reads as any recognizer; members that do not
    share outputs, or one checkpoint alone, are refused with a message."""
    from platekit.export.onnx import ProbsEnsemble

    torch.manual_seed(0)
    args = dict(region="ru", widths=[8, 16, 16, 24], hidden=16)
    a = create_model("multihead_lstm", input_size=(32, 112), **args).eval()
    b = create_model("multihead_lstm", input_size=(24, 80), **args).eval()
    for m, name in ((a, "a"), (b, "b")):
        save_checkpoint(str(tmp_path / f"{name}.pt"), m, region="ru", crop_margin=0.05)
    out = tmp_path / "ens.onnx"
    res = CliRunner().invoke(app, ["export", str(tmp_path / "a.pt"), str(tmp_path / "b.pt"), "--ensemble", "-o", str(out)])
    assert res.exit_code == 0, res.output
    side = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["model"] == "ensemble" and [m["input"] for m in side["ensemble"]] == [[32, 112], [24, 80]]
    x = np.random.default_rng(1).integers(0, 256, (3, 32, 112, 3), dtype=np.uint8)
    got = make_session(out, 1).run(None, {"image": x})[0]
    with torch.no_grad():
        pa = torch.softmax(a(torch.from_numpy(x)).float(), -1).numpy()
        ref = ProbsEnsemble([a, b])(torch.from_numpy(x)).numpy()
    assert np.abs(got - ref).max() < 2e-3 and np.allclose(got.sum(-1), 1, atol=1e-4)
    assert np.abs(got - pa).max() > 1e-3  # the second member counts
    assert len(OnnxRecognizer(out).read(list(x))) == 3
    c = create_model("multihead_lstm", input_size=(32, 112), region="cn", widths=[8, 16, 16, 24], hidden=16).eval()
    save_checkpoint(str(tmp_path / "c.pt"), c, region="cn", crop_margin=0.05)
    bad = CliRunner().invoke(app, ["export", str(tmp_path / "a.pt"), str(tmp_path / "c.pt"), "--ensemble", "-o", str(out)])
    assert bad.exit_code != 0 and "differ in region" in str(bad.exception)
    one = CliRunner().invoke(app, ["export", str(tmp_path / "a.pt"), "--ensemble", "-o", str(out)])
    assert one.exit_code != 0 and "two or more" in str(one.exception)
