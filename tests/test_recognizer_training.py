"""Recognizer training: configs, losses, a loss that falls for every recognizer, fit + eval end to end."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from platekit.core.formats import CCPD_ADS, get_region
from platekit.errors import PlatekitError
from platekit.models.registry import create_model, list_models, load_checkpoint
from platekit.train.config import load_config
from platekit.train.losses import CTCLoss, SlotLoss
from platekit.train.recognizer import RecognizerTrainConfig, build_module, init_from_checkpoint

torch.set_num_threads(1)

TINY = {
    "multihead": dict(input_size=(32, 96)),
    "multihead_lstm": dict(input_size=(32, 96), widths=(8, 16, 16, 24), hidden=16),
    "crnn_ctc": dict(input_size=(32, 96), widths=(8, 16, 16, 24), hidden=16),
    "maskocr_tiny": dict(input_size=(32, 96), embed_dim=32, depth=1, heads=2, dec_depth=1),
    "maskocr_base": dict(input_size=(32, 96), embed_dim=32, depth=1, heads=2, dec_depth=1),
}


# --- config ------------------------------------------------------------------------------------


def test_unknown_key_is_rejected_with_did_you_mean(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("model: crnn_ctc\noptim: {lr: 0.001, warmup_pc: 0.1}\n")
    with pytest.raises(PlatekitError, match="did you mean 'warmup_pct'"):
        load_config(RecognizerTrainConfig, p)
    with pytest.raises(PlatekitError, match="did you mean 'augment'"):
        load_config(RecognizerTrainConfig, None, ["data.augmnt=0.3"])


def test_overrides_and_trainer_passthrough(tmp_path):
    cfg = load_config(RecognizerTrainConfig, None, ["trainer.precision=bf16-mixed", "trainer.devices=2",
                                                    "optim.name=radam", "model=multihead_lstm"])
    assert cfg.trainer.precision == "bf16-mixed" and cfg.trainer.devices == 2
    assert cfg.optim.name == "radam" and cfg.model == "multihead_lstm"


def test_shipped_configs_validate():
    for p in sorted((Path(__file__).parents[1] / "configs").glob("rec_*.yaml")):
        load_config(RecognizerTrainConfig, p)


# --- losses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ce", "focal", "ghm"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_slot_losses_finite_and_masked_classes_never_targets(name, smoothing):
    torch.manual_seed(0)
    logits = torch.randn(4, 3, 6, requires_grad=True)
    mask = torch.zeros(3, 6)
    mask[0, 3:] = -1e4  # slot 0 may only read classes 0..2
    y = torch.tensor([[0, 4, 5], [1, 3, 3], [2, 5, 4], [0, 0, 1]])
    loss = SlotLoss(3, name, smoothing, slot_weights=[2.0, 1.0, 1.0])(logits + mask, y)
    assert torch.isfinite(loss) and loss.item() < 50  # smoothing ignores the masked classes
    loss.backward()
    assert torch.isfinite(logits.grad).all()


def test_focal_down_weights_easy_items():
    logits = torch.tensor([[[8.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]]])
    y = torch.tensor([[0], [0]])
    ce = SlotLoss(1, "ce")(logits, y)
    focal = SlotLoss(1, "focal", focal_gamma=2.0)(logits, y)
    assert focal < ce


def test_ctc_loss():
    logits = torch.randn(2, 20, 8, requires_grad=True)
    loss = CTCLoss()(logits, torch.tensor([[1, 2, 3, 0], [4, 4, 5, 6]]), torch.tensor([3, 4]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


# --- a tiny training run per recognizer ----------------------------------------------------------


def _rendered_batch(region: str, size: tuple[int, int], n: int, seed: int = 0):
    """Plates drawn with OpenCV (ASCII part only; the province slot is a coloured block)."""
    rng = np.random.default_rng(seed)
    r = get_region(region)
    h, w = size
    imgs, texts = [], []
    for _ in range(n):
        pat = r.formats[0].patterns[0]
        t = "".join(rng.choice(list(s)) for s in pat)
        img = np.full((h, w, 3), (20, 60, 160), np.uint8)
        prov = r.alphabet.index(t[0]) if region == "cn" else 0
        img[:, :10] = ((prov * 37) % 255, (prov * 91) % 255, 200)
        cv2.putText(img, t[1:] if region == "cn" else t, (11, h - 9), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1)
        imgs.append(img)
        texts.append(t)
    return torch.from_numpy(np.stack(imgs)), texts


@pytest.mark.parametrize("name", list_models("recognizer"))
def test_tiny_training_run_loss_falls(name):
    torch.manual_seed(0)
    model = create_model(name, region="cn", **TINY.get(name, {}))
    cfg = load_config(RecognizerTrainConfig, None, [f"model={name}"])
    module = build_module(model, cfg, ["val"], {})
    x, texts = _rendered_batch("cn", model.input_size, 8)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss = module._loss(model(x), texts)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.isfinite(losses).all()
    assert np.mean(losses[-3:]) < 0.75 * np.mean(losses[:3]), losses


def test_init_from_copies_matching_tensors(tmp_path):
    from platekit.models.registry import save_checkpoint

    a = create_model("crnn_ctc", **TINY["crnn_ctc"])
    save_checkpoint(str(tmp_path / "a.pt"), a)
    b = create_model("crnn_ctc", **TINY["crnn_ctc"])
    loaded, total = init_from_checkpoint(b, str(tmp_path / "a.pt"))
    assert loaded == total
    torch.testing.assert_close(a.state_dict(), b.state_dict())
    c = create_model("multihead", **TINY["multihead"])
    with pytest.raises(PlatekitError, match="no tensor"):
        init_from_checkpoint(c, str(tmp_path / "a.pt"))


# --- fit + eval end to end on generated CCPD-style scenes ---------------------------------------------


def _fake_ccpd(root: Path, n: int = 12) -> None:
    rng = np.random.default_rng(1)
    root.mkdir()
    for i in range(n):
        img = np.full((120, 200, 3), 90, np.uint8)
        x1, y1, x2, y2 = 40 + int(rng.integers(10)), 40, 160, 80 + int(rng.integers(6))
        idx = [int(rng.integers(30)), int(rng.integers(24))] + [int(rng.integers(34)) for _ in range(5)]
        img[y1:y2, x1:x2] = (160, 60, 20)  # BGR blue plate
        cv2.putText(img, "".join(CCPD_ADS[k] for k in idx[2:]), (x1 + 20, y2 - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                    (255, 255, 255), 2)
        corners = f"{x2}&{y2}_{x1}&{y2}_{x1}&{y1}_{x2}&{y1}"  # rb, lb, lt, rt
        name = f"{i:03d}-90_90-{x1}&{y1}_{x2}&{y2}-{corners}-{'_'.join(map(str, idx))}-100-10.jpg"
        cv2.imwrite(str(root / name), img)


def test_fit_then_eval_end_to_end(tmp_path):
    from platekit.evaluation.recognizer import evaluate, load_recognizer
    from platekit.train import rec_data as rd
    from platekit.train.recognizer import fit

    data = tmp_path / "ccpd"
    _fake_ccpd(data)
    over = [
        "model=crnn_ctc", "model_args={widths: [8, 16, 16, 24], hidden: 16}", "input_size=[32, 96]",
        f"out_dir={tmp_path / 'run'}", f"data.cache_dir={tmp_path / 'cache'}",
        f"data.train=[{{path: {data}, mode: mix}}]", f"data.val=[{{path: {data}, name: fake}}]",
        "data.batch_size=4", "data.steps_per_epoch=3", "trainer.max_epochs=2", "trainer.enable_progress_bar=false",
        "logger=csv", "trainer.num_threads=1", "data.province_swap=0.5", "keep=last",
    ]
    cfg = load_config(RecognizerTrainConfig, None, over)
    summary = fit(cfg, echo=lambda *_: None)
    assert Path(summary["pt"]).is_file() and Path(summary["best_ckpt"]).is_file()
    # keep=last: the reported checkpoint is the last epoch's (not Lightning's save_last copy of the best)
    assert Path(summary["best_ckpt"]).name == "last.ckpt"
    assert torch.load(summary["best_ckpt"], map_location="cpu", weights_only=False)["epoch"] == 1
    for path in (summary["pt"], summary["best_ckpt"]):  # both rebuild the model
        model, meta = load_checkpoint(path)
        assert meta["crop_margin"] == 0.05 and meta["config"]["model"] == "crnn_ctc"
    rec = load_recognizer(summary["best_ckpt"])
    samples = rd.load_samples(rd.Source(str(data)), "cn")
    crops, texts = rd.eval_crops(samples, (96, 32), "corners", rec.crop_margin)
    rep = evaluate(rec, crops, texts, out_dir=str(tmp_path / "eval"), speed_n=3)
    assert rep["n"] == 12 and 0 <= rep["plate_acc"] <= 1 and rep["cer"] >= 0
    assert len(rep["per_slot_acc"]) == 8
    rep2 = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert rep2["plate_acc"] == rep["plate_acc"]
    assert (tmp_path / "eval" / "coverage_accuracy.png").is_file()


def test_init_from_an_older_shorter_alphabet_moves_class_rows_by_character(tmp_path):
    """A cn reader of the first 65 classes (before session 14) fine-tunes into the full alphabet: each old class
    keeps its logits, the new characters start from the old OOV row, the rest of the network loads unchanged."""
    from platekit.core.formats import CN_ALNUM, CN_PROVINCES, CN_SPECIAL
    from platekit.models.registry import save_checkpoint

    small = dict(region="cn", input_size=(32, 96), widths=(8, 16, 16, 16), hidden=8, frame_stride=4)
    old = create_model("crnn_ctc", alphabet=CN_PROVINCES + CN_ALNUM, **small).eval()
    assert old.fc.out_features == 65 + 2 and [f.name for f in old.region_spec.formats][-1] == "cn-yellow-2row"
    path = str(tmp_path / "old.pt")
    save_checkpoint(path, old, alphabet=old.alphabet)
    assert load_checkpoint(path)[0].alphabet == old.alphabet  # the override is a model arg: it rebuilds
    new = create_model("crnn_ctc", **small).eval()
    assert new.alphabet.endswith(CN_SPECIAL) and new.fc.out_features == 65 + len(CN_SPECIAL) + 2
    loaded, total = init_from_checkpoint(new, path)
    assert loaded == total
    x = torch.randint(0, 256, (2, 32, 96, 3), dtype=torch.uint8)
    with torch.no_grad():
        a, b = old(x), new(x)
    torch.testing.assert_close(b[..., :66], a[..., :66])  # blank + the 65 old characters
    torch.testing.assert_close(b[..., -1], a[..., -1])  # OOV
    for k in range(66, 66 + len(CN_SPECIAL)):  # 学 ... 急 start as the old reader's OOV
        torch.testing.assert_close(b[..., k], a[..., -1])



def test_freeze_keeps_the_named_parameters_and_batchnorm_statistics(tmp_path):
    """freeze: [cnn.]: after training (two epochs: train mode comes back after the first validation), the
    convolutions and their BatchNorm statistics are exactly as init_from left them; the LSTM and the classifier moved."""
    from platekit.models.registry import save_checkpoint
    from platekit.train.recognizer import fit, is_frozen

    assert is_frozen("cnn.blocks.0.bn", ["cnn"]) and is_frozen("cnn", ["cnn."]) and not is_frozen("cnnx.w", ["cnn"])
    data = tmp_path / "ccpd"
    _fake_ccpd(data)
    args = {"widths": [8, 16, 16, 24], "hidden": 16}
    start = create_model("crnn_ctc", region="cn", input_size=(32, 96), **args)
    save_checkpoint(str(tmp_path / "start.pt"), start)
    over = [
        "model=crnn_ctc", "model_args={widths: [8, 16, 16, 24], hidden: 16}", "input_size=[32, 96]",
        f"out_dir={tmp_path / 'run'}", f"data.cache_dir={tmp_path / 'cache'}", f"init_from={tmp_path / 'start.pt'}",
        f"data.train=[{{path: {data}, mode: mix}}]", f"data.val=[{{path: {data}, name: fake}}]",
        "data.batch_size=4", "data.steps_per_epoch=3", "trainer.max_epochs=2", "trainer.enable_progress_bar=false",
        "logger=none", "trainer.num_threads=1", "keep=last", "freeze=[cnn.]", "optim.lr=0.01",
    ]
    summary = fit(load_config(RecognizerTrainConfig, None, over), echo=lambda *_: None)
    after, _ = load_checkpoint(summary["pt"])
    a, b = start.state_dict(), after.state_dict()
    cnn = [k for k in a if k.startswith("cnn.")]
    assert any("running_mean" in k for k in cnn)
    for k in cnn:
        torch.testing.assert_close(b[k], a[k], msg=k)
    assert not torch.equal(b["fc.weight"], a["fc.weight"]) and not torch.equal(b["rnn.weight_hh_l0"], a["rnn.weight_hh_l0"])
    with pytest.raises(PlatekitError, match="no parameter"):
        fit(load_config(RecognizerTrainConfig, None, [*over, "freeze=[backbone.]"]), echo=lambda *_: None)


def test_an_older_cn_checkpoint_without_its_alphabet_still_loads(tmp_path):
    """A checkpoint written before the cn alphabet grew (no alphabet anywhere in it) rebuilds from its class count;
    init_from from another region's alphabet does not move rows by character (its output layer stays fresh)."""
    from platekit.core.formats import CN_ALNUM, CN_PROVINCES
    from platekit.models.registry import save_checkpoint

    small = dict(region="cn", input_size=(32, 96), widths=(8, 16, 16, 16), hidden=8, frame_stride=4)
    old = create_model("crnn_ctc", alphabet=CN_PROVINCES + CN_ALNUM, **small)
    del old.model_args["alphabet"]  # what a session-13 checkpoint holds
    save_checkpoint(str(tmp_path / "old.pt"), old)
    back, _ = load_checkpoint(str(tmp_path / "old.pt"))
    assert back.alphabet == CN_PROVINCES + CN_ALNUM and back.fc.out_features == 67
    latin = create_model("crnn_ctc", **{**small, "region": "latin", "input_size": (32, 96)})
    loaded, total = init_from_checkpoint(latin, str(tmp_path / "old.pt"))
    assert loaded == total - 2  # everything but fc.weight / fc.bias


def test_average_checkpoints_mixes_weights_and_keeps_a_shorter_alphabets_rows(tmp_path):
    """scripts/average_checkpoints.py: alpha x A + (1 - alpha) x B tensor by tensor; A of the older 65-character cn
    alphabet is moved into B's classes first; B's measured numbers are not copied onto the average."""
    import importlib.util

    from platekit.core.formats import CN_ALNUM, CN_PROVINCES
    from platekit.models.registry import save_checkpoint

    path = Path(__file__).resolve().parents[1] / "scripts" / "average_checkpoints.py"
    spec = importlib.util.spec_from_file_location("average_checkpoints", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    small = dict(region="cn", input_size=(32, 96), widths=(8, 16, 16, 16), hidden=8, frame_stride=4)
    torch.manual_seed(0)
    a = create_model("crnn_ctc", alphabet=CN_PROVINCES + CN_ALNUM, **small)
    b = create_model("crnn_ctc", **small)
    save_checkpoint(str(tmp_path / "a.pt"), a, alphabet=a.alphabet)
    save_checkpoint(str(tmp_path / "b.pt"), b, alphabet=b.alphabet, metrics={"val": 1.0})
    with torch.no_grad():
        m.main(str(tmp_path / "a.pt"), str(tmp_path / "b.pt"), 0.25, str(tmp_path / "avg.pt"))
    avg, meta = load_checkpoint(str(tmp_path / "avg.pt"))
    assert "metrics" not in meta and avg.alphabet == b.alphabet
    sa, sb, s = a.state_dict(), b.state_dict(), avg.state_dict()
    torch.testing.assert_close(s["rnn.weight_ih_l0"], 0.25 * sa["rnn.weight_ih_l0"] + 0.75 * sb["rnn.weight_ih_l0"])
    torch.testing.assert_close(s["fc.weight"][:66], 0.25 * sa["fc.weight"][:66] + 0.75 * sb["fc.weight"][:66])
    torch.testing.assert_close(s["fc.weight"][66], 0.25 * sa["fc.weight"][-1] + 0.75 * sb["fc.weight"][66])  # 学 <- OOV


def test_init_from_an_older_cn_checkpoint_without_its_alphabet_moves_rows_by_character(tmp_path):
    """The alphabet of a checkpoint that does not name it comes from its class count in both places that need it
    (load_checkpoint and init_from: one function, models.registry.trained_alphabet), so init_from moves its rows."""
    from platekit.core.formats import CN_ALNUM, CN_PROVINCES
    from platekit.models.registry import save_checkpoint, trained_alphabet

    small = dict(region="cn", input_size=(32, 96), widths=(8, 16, 16, 16), hidden=8, frame_stride=4)
    old = create_model("crnn_ctc", alphabet=CN_PROVINCES + CN_ALNUM, **small).eval()
    del old.model_args["alphabet"]  # a session-13 checkpoint
    save_checkpoint(str(tmp_path / "old.pt"), old)
    ck = torch.load(str(tmp_path / "old.pt"), weights_only=False)
    assert trained_alphabet(ck, ck["state_dict"]) == CN_PROVINCES + CN_ALNUM
    assert trained_alphabet({"alphabet": "AB"}, {}) == "AB" and trained_alphabet({}, {}) is None
    new = create_model("crnn_ctc", **small).eval()
    loaded, total = init_from_checkpoint(new, str(tmp_path / "old.pt"))
    assert loaded == total
    x = torch.randint(0, 256, (2, 32, 96, 3), dtype=torch.uint8)
    with torch.no_grad():
        torch.testing.assert_close(new(x)[..., :66], old(x)[..., :66])
