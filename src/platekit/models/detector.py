"""SCRFD-style plate detector: small timm backbone, BiFPN neck, anchor-free heads (score, box, 4 corners).

Input: uint8 RGB [N, H, W, 3], letterboxed by the caller (scale = min(H/h, W/w), image at the
top-left, pad 114). Every location of every level predicts a plate score, box distances
(left, top, right, bottom) and 4 corner offsets (lt, rt, rb, lb), all decoded to input pixels.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from platekit.models.bifpn import BiFPN
from platekit.models.registry import register_model

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


class TimmBackbone(nn.Module):
    """A timm MobileNetV4 (from scratch) truncated after its stride-32 stage: strides 8, 16, 32.

    ``skip_blocks``: residual blocks left out, named "stage.index" (e.g. "16.2" is ``stage16[2]``); each
    becomes an identity, so the other blocks keep their names and a checkpoint of the full backbone
    initialises the slimmer one (the detector speed study, docs/detector.md).
    """

    def __init__(self, name: str = "mobilenetv4_conv_small", skip_blocks: tuple[str, ...] | list[str] = (),
                 factorize_blocks: tuple[str, ...] | list[str] = ()):
        super().__init__()
        import timm

        net = timm.create_model(name, pretrained=False)
        self.stem = nn.Sequential(net.conv_stem, net.bn1)
        self.stage4 = net.blocks[0]  # stride 4
        self.stage8 = net.blocks[1]
        self.stage16 = net.blocks[2]
        self.stage32 = net.blocks[3]  # blocks[4] is the 960-channel classifier conv: dropped
        for key in skip_blocks:
            blocks, i = self._locate(key)
            if not getattr(blocks[i], "has_skip", False):
                raise ValueError(f"skip_blocks: block {key!r} has no residual connection; it cannot be left out")
            blocks[i] = nn.Identity()
        for key in factorize_blocks:
            blocks, i = self._locate(key)
            block = blocks[i]
            conv = getattr(block, "conv", None)
            if not isinstance(conv, nn.Conv2d) or conv.groups != 1 or conv.kernel_size[0] < 3:
                raise ValueError(f"factorize_blocks: block {key!r} has no full k x k convolution to factorize")
            block.conv = FactorizedConv(conv.in_channels, conv.out_channels, conv.kernel_size[0], conv.stride[0])
        with torch.no_grad():
            outs = self.forward(torch.zeros(1, 3, 64, 64))
        self.channels = [o.shape[1] for o in outs]

    def _locate(self, key: str) -> tuple[nn.Sequential, int]:
        """"16.2" -> (self.stage16, 2)."""
        stage, _, index = str(key).partition(".")
        blocks = getattr(self, f"stage{stage}", None)
        if blocks is None or not index.isdigit() or int(index) >= len(blocks):
            raise ValueError(f"no backbone block {key!r} (stages 4, 8, 16, 32; e.g. '4.0')")
        return blocks, int(index)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.stage4(self.stem(x))
        c3 = self.stage8(x)
        c4 = self.stage16(c3)
        c5 = self.stage32(c4)
        return [c3, c4, c5]


class FactorizedConv(nn.Module):
    """A k x k convolution as depthwise k x k (stride s) then pointwise 1 x 1, no bias, nothing between:
    the same linear map when each input channel's kernels are rank one. ``from_full`` initialises it
    from a trained full convolution by the best rank-one split of each input channel's kernels (SVD)."""

    def __init__(self, cin: int, cout: int, k: int, stride: int):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, k, stride, k // 2, groups=cin, bias=False)  # [N, cin, H/s, W/s]
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)  # [N, cout, H/s, W/s]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pw(self.dw(x))

    @staticmethod
    def from_full(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
        """Full kernel [cout, cin, k, k] -> (dw weight [cin, 1, k, k], pw weight [cout, cin, 1, 1], share of
        the kernel's energy kept)."""
        cout, cin, k, _ = weight.shape
        per_in = weight.permute(1, 0, 2, 3).reshape(cin, cout, k * k)  # [cin, cout, k*k]
        u, sv, vh = torch.linalg.svd(per_in, full_matrices=False)  # u [cin, cout, r], vh [cin, r, k*k]
        dw = vh[:, 0].reshape(cin, 1, k, k)
        pw = (u[:, :, 0] * sv[:, :1]).T.reshape(cout, cin, 1, 1)
        kept = float((sv[:, 0] ** 2).sum() / (sv**2).sum().clamp_min(1e-12))
        return dw.contiguous(), pw.contiguous(), kept


def factorized_state(model: nn.Module, state: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict]:
    """A full model's state dict -> the same with every full conv that ``model`` factorizes split into
    ``.dw`` / ``.pw`` (FactorizedConv.from_full); -> (state, {name: share of the energy kept})."""
    out, kept = dict(state), {}
    for name, mod in model.named_modules():
        if isinstance(mod, FactorizedConv) and f"{name}.weight" in state and f"{name}.dw.weight" not in state:
            dw, pw, k = FactorizedConv.from_full(state[f"{name}.weight"].float())
            out[f"{name}.dw.weight"], out[f"{name}.pw.weight"], kept[name] = dw, pw, k
            del out[f"{name}.weight"]
    return out, kept


class Scale(nn.Module):
    def __init__(self, value: float = 1.0):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(float(value)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


class Head(nn.Module):
    """Weights shared over levels, BN per level (EfficientDet style); 1 + 4 + 8 outputs per location."""

    def __init__(self, ch: int, n_levels: int = 3, n_convs: int = 2, prior: float = 0.01):
        super().__init__()
        self.dw = nn.ModuleList(nn.Conv2d(ch, ch, 3, padding=1, groups=ch, bias=False) for _ in range(n_convs))
        self.pw = nn.ModuleList(nn.Conv2d(ch, ch, 1, bias=False) for _ in range(n_convs))
        self.bn = nn.ModuleList(
            nn.ModuleList(nn.BatchNorm2d(ch) for _ in range(n_convs)) for _ in range(n_levels)
        )
        self.cls = nn.Conv2d(ch, 1, 1)
        self.reg = nn.Conv2d(ch, 4 + 8, 1)
        self.scales = nn.ModuleList(Scale(1.0) for _ in range(n_levels))
        nn.init.normal_(self.cls.weight, std=0.01)
        nn.init.constant_(self.cls.bias, -math.log((1 - prior) / prior))
        nn.init.normal_(self.reg.weight, std=0.01)
        nn.init.zeros_(self.reg.bias)

    def forward(self, x: torch.Tensor, level: int) -> tuple[torch.Tensor, torch.Tensor]:
        for dw, pw, bn in zip(self.dw, self.pw, self.bn[level], strict=True):
            x = F.silu(bn(pw(dw(x))))
        return self.cls(x), self.scales[level](self.reg(x))


class PlateDetector(nn.Module):
    def __init__(
        self,
        backbone: str = "mobilenetv4_conv_small",
        width: int = 64,
        bifpn_repeats: int = 2,
        head_convs: int = 2,
        input_size: tuple[int, int] = (384, 384),
        skip_blocks: tuple[str, ...] | list[str] = (),
        factorize_blocks: tuple[str, ...] | list[str] = (),
    ):
        super().__init__()
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.strides = (8, 16, 32)
        self.backbone = TimmBackbone(backbone, skip_blocks, factorize_blocks)
        self.neck = BiFPN(self.backbone.channels, width, bifpn_repeats)
        self.head = Head(width, len(self.strides), head_convs)
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1) * 255, persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1) * 255, persistent=False)

    def backbone_parameters(self) -> list[nn.Parameter]:
        return list(self.backbone.parameters())

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """uint8 [N, H, W, 3] -> logits [N, A], boxes [N, A, 4] (x1 y1 x2 y2), corners [N, A, 8],
        points [A, 2] (location centres) and strides [A], all in input pixels."""
        x = (x.permute(0, 3, 1, 2).float() - self.mean) / self.std
        feats = self.neck(self.backbone(x))
        logits, boxes, corners, points, strides = [], [], [], [], []
        for lvl, (f, s) in enumerate(zip(feats, self.strides, strict=True)):
            cls, reg = self.head(f, lvl)  # [N, 1, h, w], [N, 12, h, w]
            n, _, h, w = cls.shape
            ys = (torch.arange(h, device=f.device, dtype=torch.float32) + 0.5) * s
            xs = (torch.arange(w, device=f.device, dtype=torch.float32) + 0.5) * s
            gy, gx = torch.meshgrid(ys, xs, indexing="ij")
            pts = torch.stack([gx, gy], -1).reshape(-1, 2)  # [hw, 2]
            reg = reg.permute(0, 2, 3, 1).reshape(n, h * w, 12)
            dist = F.softplus(reg[..., :4]) * s  # l, t, r, b
            box = torch.cat([pts - dist[..., :2], pts + dist[..., 2:]], -1)
            kps = reg[..., 4:] * s + pts.repeat(1, 4)
            logits.append(cls.reshape(n, h * w))
            boxes.append(box)
            corners.append(kps)
            points.append(pts)
            strides.append(torch.full((h * w,), float(s), device=f.device))
        return {
            "logits": torch.cat(logits, 1),
            "boxes": torch.cat(boxes, 1),
            "corners": torch.cat(corners, 1),
            "points": torch.cat(points, 0),
            "strides": torch.cat(strides, 0),
        }

    def forward_raw(self, x: torch.Tensor, std_folded: bool = False) -> torch.Tensor:
        """uint8 [N, H, W, 3] -> raw [N, 13, A]: per location (levels in stride order, row-major) the score
        logit, 4 box-distance logits and 8 corner offsets, the last 12 already x the level's learnable scale
        (stride units). ``platekit.inference.detector.decode_raw`` (numpy) turns it into forward_export's
        rows; the "raw" ONNX graph is this (no anchor grid, softplus or sigmoid in the graph).
        ``std_folded``: the stem conv already holds 1/std (the export folds it), so only the mean is taken off."""
        x = x.permute(0, 3, 1, 2).float() - self.mean
        if not std_folded:
            x = x / self.std
        feats = self.neck(self.backbone(x))
        return torch.cat([torch.cat(self.head(f, lvl), 1).flatten(2) for lvl, f in enumerate(feats)], 2)

    def forward_export(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 [N, H, W, 3] -> detections [N, A, 13]: sigmoid score, x1 y1 x2 y2, lt rt rb lb (x, y)."""
        out = self.forward(x)
        return torch.cat([out["logits"].sigmoid().unsqueeze(-1), out["boxes"], out["corners"]], -1)


class _ExportWrapper(nn.Module):
    def __init__(self, model: PlateDetector):
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model.forward_export(image)


@register_model("detector")
def plate_detector(
    backbone: str = "mobilenetv4_conv_small",
    width: int = 64,
    bifpn_repeats: int = 2,
    head_convs: int = 2,
    input_size: tuple[int, int] | list[int] = (384, 384),
    skip_blocks: tuple[str, ...] | list[str] = (),
    factorize_blocks: tuple[str, ...] | list[str] = (),
) -> PlateDetector:
    """MobileNetV4-conv-small (from scratch) + BiFPN(3 levels) + anchor-free score/box/corner heads.

    For a faster detector: ``skip_blocks``, residual backbone blocks left out (e.g. ["16.2", "16.3"]);
    ``factorize_blocks``, blocks whose full k x k conv becomes depthwise + pointwise (e.g. ["4.0", "8.0"])."""
    return PlateDetector(backbone, width, bifpn_repeats, head_convs, tuple(input_size), tuple(skip_blocks),
                         tuple(factorize_blocks))
