"""A small BiFPN neck (EfficientDet) over 3 pyramid levels with fast normalised fusion."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SepConvBN(nn.Module):
    """Depthwise 3x3 + pointwise 1x1 + BN + SiLU."""

    def __init__(self, ch: int):
        super().__init__()
        self.dw = nn.Conv2d(ch, ch, 3, padding=1, groups=ch, bias=False)
        self.pw = nn.Conv2d(ch, ch, 1, bias=False)
        self.bn = nn.BatchNorm2d(ch)
        self.act = nn.SiLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.pw(self.dw(x))))


class Fuse(nn.Module):
    """Fast normalised fusion: sum_i relu(w_i) x_i / (sum relu(w) + eps), then a separable conv."""

    def __init__(self, ch: int, n: int):
        super().__init__()
        self.w = nn.Parameter(torch.ones(n))
        self.conv = SepConvBN(ch)

    def forward(self, xs: list[torch.Tensor]) -> torch.Tensor:
        w = F.relu(self.w)
        w = w / (w.sum() + 1e-4)
        return self.conv(sum(w[i] * x for i, x in enumerate(xs)))


class BiFPNLayer(nn.Module):
    """One top-down + bottom-up pass over [P3, P4, P5] (strides s, 2s, 4s), all ``ch`` channels."""

    def __init__(self, ch: int):
        super().__init__()
        self.td4 = Fuse(ch, 2)
        self.out3 = Fuse(ch, 2)
        self.out4 = Fuse(ch, 3)
        self.out5 = Fuse(ch, 2)

    @staticmethod
    def _up(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=ref.shape[-2:], mode="nearest")

    @staticmethod
    def _down(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(x, 3, 2, 1)
        return x[..., : ref.shape[-2], : ref.shape[-1]]

    def forward(self, feats: list[torch.Tensor]) -> list[torch.Tensor]:
        p3, p4, p5 = feats
        p4_td = self.td4([p4, self._up(p5, p4)])
        o3 = self.out3([p3, self._up(p4_td, p3)])
        o4 = self.out4([p4, p4_td, self._down(o3, p4)])
        o5 = self.out5([p5, self._down(o4, p5)])
        return [o3, o4, o5]


class BiFPN(nn.Module):
    """Lateral 1x1 convs to ``ch`` channels, then ``repeats`` BiFPN layers."""

    def __init__(self, in_channels: list[int], ch: int = 64, repeats: int = 2):
        super().__init__()
        self.lateral = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, ch, 1, bias=False), nn.BatchNorm2d(ch)) for c in in_channels
        )
        self.layers = nn.ModuleList(BiFPNLayer(ch) for _ in range(repeats))

    def forward(self, feats: list[torch.Tensor]) -> list[torch.Tensor]:
        x = [lat(f) for lat, f in zip(self.lateral, feats, strict=True)]
        for layer in self.layers:
            x = layer(x)
        return x
