"""MaskOCR: registry entrypoints, shapes, vertical strips, MAE masking/loss, checkpoints, pretraining."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from platekit.core.formats import REGIONS  # noqa: E402
from platekit.core.tokenizer import SlotTokenizer  # noqa: E402
from platekit.models.registry import create_model, list_models, load_checkpoint, save_checkpoint  # noqa: E402

DATA = Path(__file__).parents[1].parent / "shared" / "data"
TINY_KW = dict(input_size=(16, 32), patch_w=4, embed_dim=32, depth=1, heads=2, dec_depth=1,
               mae_dim=16, mae_depth=1, mae_heads=2)


def _x(n: int, hw: tuple[int, int], seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, *hw, 3), dtype=torch.uint8, generator=g)


@pytest.mark.parametrize("name,hw,n_params", [("maskocr_tiny", (48, 144), (2e6, 5e6)),
                                              ("maskocr_base", (48, 192), (50e6, 100e6))])
@pytest.mark.parametrize("region", ["cn", "ru"])
def test_registered_configs_forward(name, hw, n_params, region):
    from platekit.models.maskocr import count_params

    assert name in list_models("recognizer")
    m = create_model(name, region=region).eval()
    tok = SlotTokenizer.for_region(REGIONS[region])
    assert m.decoder == "slots" and m.input_size == hw
    with torch.no_grad():
        out = m(_x(2, hw))
    assert out.shape == (2, tok.n_slots, tok.num_classes)
    assert torch.isfinite(out).all()
    assert n_params[0] < count_params(m) < n_params[1]
    assert m.mae_decoder is None  # the MAE head exists only for pretraining


def test_base_has_the_seed_settings():
    m = create_model("maskocr_base")
    assert m.input_size == (48, 192)
    assert len(m.encoder.blocks) == 8 and m.encoder.blocks[0].attn.heads == 12
    assert m.encoder.patch_embed.out_channels == 624
    assert len(m.slot_decoder.blocks) == 6
    drops = {mod.p for mod in m.modules() if isinstance(mod, torch.nn.Dropout)}
    assert drops == {0.25}


def test_patches_are_vertical_strips():
    m = create_model("maskocr_tiny", **TINY_KW)
    img = torch.zeros(1, 3, 16, 32)
    img[..., 8:12] = 1.0  # third strip (columns 8..11, full height)
    p = m.patchify(img)
    assert p.shape == (1, 8, 16 * 4 * 3)
    assert p[0, 2].eq(1).all() and p[0, [0, 1, 3, 4, 5, 6, 7]].eq(0).all()
    assert torch.equal(m.unpatchify(p), img)
    assert m.encoder.patch_embed.kernel_size == (16, 4)  # a token sees the full height


def test_forward_mae_masks_and_learns():
    torch.manual_seed(0)
    m = create_model("maskocr_tiny", mae_head=True, drop_rate=0.0, **TINY_KW)
    x = _x(4, (16, 32))
    loss, pred, mask = m.forward_mae(x, mask_ratio=0.75)
    assert pred.shape == (4, 8, 16 * 4 * 3) and mask.shape == (4, 8)
    assert mask.sum(1).tolist() == [6.0] * 4  # 75 % of 8 strips hidden in every image
    assert not torch.equal(mask[0], mask[1]) or not torch.equal(mask[1], mask[2])  # random per image
    with pytest.raises(ValueError):
        m.forward_mae(x, mask_ratio=1.0)
    opt = torch.optim.AdamW(m.parameters(), 3e-3)
    first = None
    for _ in range(60):
        torch.manual_seed(1)  # same mask each step: overfit these 4 images
        loss = m.forward_mae(x, 0.5)[0]
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.7 * first


def test_mae_loss_ignores_visible_strips():
    m = create_model("maskocr_tiny", mae_head=True, norm_pix_loss=False, **TINY_KW)
    x = _x(2, (16, 32))
    torch.manual_seed(3)
    loss, pred, mask = m.forward_mae(x, 0.5)
    target = m.patchify(m.normalize(x))
    manual = (((pred - target) ** 2).mean(-1) * mask).sum() / mask.sum()
    assert torch.allclose(loss, manual)
    assert not torch.allclose(loss, ((pred - target) ** 2).mean())


def test_forward_mae_needs_the_head():
    m = create_model("maskocr_tiny", **TINY_KW)
    with pytest.raises(RuntimeError, match="mae_head"):
        m.forward_mae(_x(1, (16, 32)))


def test_encoder_weights_transfer_from_pretrained_checkpoint(tmp_path):
    pre = create_model("maskocr_tiny", mae_head=True, **TINY_KW)
    path = tmp_path / "mae.pt"
    save_checkpoint(str(path), pre, region="cn")
    loaded, meta = load_checkpoint(str(path))
    assert meta["model_name"] == "maskocr_tiny"
    fine = create_model("maskocr_tiny", **TINY_KW)
    missing, unexpected = fine.load_state_dict(loaded.state_dict(), strict=False)
    assert not missing and all(k.startswith("mae_decoder.") for k in unexpected) and unexpected
    for k, v in fine.encoder.state_dict().items():
        assert torch.equal(v, pre.encoder.state_dict()[k])


def test_onnx_export_uint8_dynamic_batch(tmp_path):
    pytest.importorskip("onnxruntime")
    exp = pytest.importorskip("platekit.export.onnx")
    m = create_model("maskocr_tiny", **TINY_KW).eval()
    path = tmp_path / "m.onnx"
    side = exp.export_recognizer(m, {"region": "cn", "crop_margin": 0.05}, path)
    assert side["decoder"] == "slots" and side["n_slots"] == 8 and side["input"]["width"] == 32
    assert exp.compare_onnx_torch(m, path, n=3) < 1e-4  # batch 3 through a graph traced at batch 2


def _fake_ccpd(root: Path, n: int) -> list[str]:
    """n small scene images with valid CCPD names (distinct texts), plate drawn at the corners."""
    import cv2

    from platekit.core.ccpd import indices_to_text

    root.mkdir(parents=True)
    texts = []
    for i in range(n):
        idx = [0, 0, 24 + i % 10, 24 + (i // 10) % 10, 26, 27, 28]
        img = np.full((120, 200, 3), 90, np.uint8)
        cv2.rectangle(img, (40, 50), (160, 90), (200, 60, 20), -1)
        name = f"025-95_113-40&50_160&90-160&90_40&90_40&50_160&50-{'_'.join(map(str, idx))}-37-15.jpg"
        cv2.imwrite(str(root / name), img)
        texts.append(indices_to_text(idx))
    return texts


def test_real_crops_use_only_the_train_side_of_the_split(tmp_path):
    from platekit.data.split import split_by_text
    from platekit.train.pretrain import PretrainDataConfig, real_crops

    texts = _fake_ccpd(tmp_path / "ccpd", 30)
    n_train = len(split_by_text(texts, 0.2, key=lambda t: t)[0])
    assert 0 < n_train < 30
    cfg = PretrainDataConfig(ccpd_root=str(tmp_path / "ccpd"), real_variants=2, cache_dir=str(tmp_path / "cache"))
    crops = real_crops(cfg, (16, 32))
    assert crops.shape == (2 * n_train, 16, 32, 3) and crops.dtype == np.uint8
    assert crops[:, 8, 16].mean(0)[2] > 150  # the plate (blue: BGR 200,60,20 on disk) fills the centre
    assert list((tmp_path / "cache").glob("*.npy"))  # cached once
    assert np.array_equal(real_crops(cfg, (16, 32)), crops)


def test_pretrain_cli_end_to_end(tmp_path):
    pytest.importorskip("lightning")
    from platekit.cli.main import main

    texts = _fake_ccpd(tmp_path / "ccpd", 12)
    assert texts
    args = ["pretrain", "recognizer", str(Path(__file__).parents[1] / "configs" / "maskocr_tiny_pretrain.yaml"),
            f"out_dir={tmp_path / 'out'}", f"data.cache_dir={tmp_path / 'cache'}",
            f"data.ccpd_root={tmp_path / 'ccpd'}", "data.synth_count=8", "batch_size=4",
            "trainer.max_steps=3", "trainer.max_time_minutes=null",
            "model_args={input_size: [16, 32], embed_dim: 32, depth: 1, heads: 2, dec_depth: 1, "
            "mae_dim: 16, mae_depth: 1, mae_heads: 2}"]
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 0
    model, meta = load_checkpoint(str(tmp_path / "out" / "maskocr_mae.pt"))
    assert meta["stage"] == "mae-pretrain" and meta["metrics"]["steps"] == 3
    assert model.input_size == (16, 32) and model.mae_decoder is not None
    assert (tmp_path / "out" / "last.ckpt").is_file()
    fine = create_model("maskocr_tiny", input_size=(16, 32), embed_dim=32, depth=1, heads=2, dec_depth=1)
    fine.load_state_dict(model.state_dict(), strict=False)
    assert torch.equal(fine.encoder.patch_embed.weight, model.encoder.patch_embed.weight)


def test_pretrain_config_rejects_typos():
    from platekit.errors import PlatekitError
    from platekit.train.config import load_config
    from platekit.train.pretrain import PretrainConfig

    cfg = load_config(PretrainConfig, Path(__file__).parents[1] / "configs" / "maskocr_tiny_pretrain.yaml")
    assert cfg.model == "maskocr_tiny" and 0 < cfg.mask_ratio < 1
    with pytest.raises(PlatekitError, match="mask_ratio"):
        load_config(PretrainConfig, None, ["maskratio=0.5"])


@pytest.mark.parametrize("cfg_name", ["maskocr_tiny", "maskocr_base"])
def test_finetune_configs_build_their_model(cfg_name, tmp_path):
    rec = pytest.importorskip("platekit.train.recognizer")
    from platekit.train.config import load_config

    cfg = load_config(rec.RecognizerTrainConfig, Path(__file__).parents[1] / "configs" / f"{cfg_name}.yaml")
    assert cfg.model == cfg_name
    m = create_model(cfg.model, region=cfg.region, input_size=tuple(cfg.input_size), **cfg.model_args)
    assert m.input_size == tuple(cfg.input_size) and m.decoder == "slots"
    if cfg_name != "maskocr_tiny":
        return
    # a pretrained encoder loads through the trainer's init_from
    pre = create_model(cfg.model, region=cfg.region, input_size=tuple(cfg.input_size), mae_head=True)
    for p in pre.encoder.parameters():
        torch.nn.init.constant_(p, 0.5)
    with pytest.raises(Exception, match="init_from"):
        rec.init_from_checkpoint(m, str(tmp_path / "missing.pt"))
    save_checkpoint(str(tmp_path / "mae.pt"), pre, region=cfg.region)
    rec.init_from_checkpoint(m, str(tmp_path / "mae.pt"))
    assert all(torch.all(p == 0.5) for p in m.encoder.parameters())


def test_backbone_parameters_are_the_encoder():
    m = create_model("maskocr_tiny", **TINY_KW)
    enc = {id(p) for p in m.encoder.parameters()}
    assert {id(p) for p in m.backbone_parameters()} == enc
    assert not enc & {id(p) for p in m.slot_decoder.parameters()}
