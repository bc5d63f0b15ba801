"""CRNN + CTC: ResNet-style CNN (T = W/4 or W/8 frames) -> 2-layer BiLSTM -> per-frame classes (blank, alphabet, OOV).

Variable length; greedy decoding (``CTCTokenizer.decode``) or format-constrained decoding
(``core.ctc_decode.ctc_decode_constrained``: the best path whose text one of the region's
formats allows, lengths included).
"""

from __future__ import annotations

import torch
from torch import nn

from platekit.core.tokenizer import CTCTokenizer
from platekit.models.recognizers import RecognizerBase, SeqCNN
from platekit.models.registry import register_model


class CRNN(RecognizerBase):
    decoder = "ctc"

    def __init__(
        self,
        region: str = "cn",
        input_size: tuple[int, int] = (48, 144),
        grey: bool = False,
        widths: tuple[int, ...] = (32, 64, 96, 128),
        hidden: int = 96,
        drop_rate: float = 0.1,
        frame_stride: int = 4,
        alphabet: str | None = None,  # default: the region's; an older reader's shorter one (its sidecar's)
    ):
        super().__init__(region, input_size, grey, alphabet)
        self.cnn = SeqCNN(self.in_chans, tuple(widths), frame_stride)
        self.rnn = nn.LSTM(self.cnn.out_dim, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.drop = nn.Dropout(drop_rate)
        self.fc = nn.Linear(2 * hidden, CTCTokenizer.for_region(self.region_spec).num_classes)
        if input_size[1] // frame_stride < 2 * self.n_slots + 1:
            raise ValueError(f"input width {input_size[1]} too small for CTC at frame_stride {frame_stride}: "
                             f"needs >= {frame_stride * (2 * self.n_slots + 1)}")

    def backbone_parameters(self):
        return self.cnn.parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x uint8 [N, H, W, 3] -> logits [N, T = W/frame_stride, C]."""
        seq, _ = self.rnn(self.cnn(self.normalize(x)))  # [N, T, 2*hidden]
        return self.fc(self.drop(seq))


@register_model("recognizer")
def crnn_ctc(region: str = "cn", input_size: tuple[int, int] = (48, 144), **kw) -> CRNN:
    """ResNet-style CNN + BiLSTM + CTC (T = W/4 frames; ``frame_stride=8``: W/8, faster)."""
    return CRNN(region=region, input_size=tuple(input_size), **kw)
