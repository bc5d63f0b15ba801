"""Which reader a plate crop belongs to: a tiny CNN over the crop (issue 16's ``--region auto``).

The script and layout of a plate (a Chinese province glyph on a blue/green/yellow plate, the Russian
region field with its flag, a Latin plate of any country) show at a glance, long before its
characters can be read, so a small classifier routes each plate to one reader instead of asking
every reader and trusting the most confident one (which a Chinese reader answering a Pakistani plate
with 蒙WW... beats). Input uint8 NHWC RGB, normalised inside the graph like the recognizers.
"""

from __future__ import annotations

import torch
from torch import nn

from platekit.models.registry import register_model


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class RegionClassifier(nn.Module):
    """uint8 [N, H, W, 3] -> class probabilities [N, C] (softmax inside the graph)."""

    def __init__(self, classes: tuple[str, ...] = ("cn", "ru", "latin"), input_size: tuple[int, int] = (40, 128),
                 widths: tuple[int, ...] = (16, 32, 48, 64), drop_rate: float = 0.1):
        super().__init__()
        self.classes, self.input_size = tuple(classes), tuple(input_size)
        layers, cin = [], 3
        for i, w in enumerate(widths):  # every block halves H and W: [N, w_last, H/16, W/16]
            layers += [_block(cin, w, 2), _block(w, w, 1)] if i else [_block(cin, w, 2)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Dropout(drop_rate), nn.Linear(cin, len(classes)))
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1) * 255)
        self.register_buffer("std", torch.tensor([0.25, 0.25, 0.25]).view(1, 3, 1, 1) * 255)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        x = (x.permute(0, 3, 1, 2).float() - self.mean) / self.std  # [N, 3, H, W]
        f = self.features(x).mean((2, 3))  # [N, w_last]
        return self.head(f)  # [N, C]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(x).softmax(-1)


@register_model("region_classifier")
def region_classifier(**kw) -> RegionClassifier:
    return RegionClassifier(**kw)
