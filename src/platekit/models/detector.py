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

    def __init__(self, name: str = "mobilenetv4_conv_small", skip_blocks: tuple[str, ...] | list[str] = ()):
        super().__init__()
        import timm

        net = timm.create_model(name, pretrained=False)
        self.stem = nn.Sequential(net.conv_stem, net.bn1)
        self.stage4 = net.blocks[0]  # stride 4
        self.stage8 = net.blocks[1]
        self.stage16 = net.blocks[2]
        self.stage32 = net.blocks[3]  # blocks[4] is the 960-channel classifier conv: dropped
        for key in skip_blocks:
            stage, _, index = str(key).partition(".")
            blocks = getattr(self, f"stage{stage}", None)
            if blocks is None or not index.isdigit() or int(index) >= len(blocks):
                raise ValueError(f"skip_blocks: no block {key!r} (stages 4, 8, 16, 32; e.g. '16.2')")
            if not getattr(blocks[int(index)], "has_skip", False):
                raise ValueError(f"skip_blocks: block {key!r} has no residual connection; it cannot be left out")
            blocks[int(index)] = nn.Identity()
        with torch.no_grad():
            outs = self.forward(torch.zeros(1, 3, 64, 64))
        self.channels = [o.shape[1] for o in outs]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.stage4(self.stem(x))
        c3 = self.stage8(x)
        c4 = self.stage16(c3)
        c5 = self.stage32(c4)
        return [c3, c4, c5]


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
    ):
        super().__init__()
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.strides = (8, 16, 32)
        self.backbone = TimmBackbone(backbone, skip_blocks)
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
) -> PlateDetector:
    """MobileNetV4-conv-small (from scratch) + BiFPN(3 levels) + anchor-free score/box/corner heads.

    ``skip_blocks``: residual backbone blocks left out (e.g. ["16.2", "16.3"]), for a faster detector."""
    return PlateDetector(backbone, width, bifpn_repeats, head_convs, tuple(input_size), tuple(skip_blocks))
