"""Slot recognizers: one classifier head per character position (pad character after short plates).

* ``multihead``      -- a timm backbone (from scratch) + one linear head per slot.
* ``multihead_lstm`` -- a small ResNet-style CNN + 2-layer BiLSTM across the width + per-slot
  attention pooling + one linear head per slot.

Every recognizer (here and in ``crnn.py``) shares :class:`RecognizerBase`: ``forward(uint8
[N, H, W, 3]) -> logits`` with normalisation inside, ``.decoder`` ("slots" | "ctc"), ``.region``,
``.input_size = (H, W)`` and ``decode(logits) -> (texts, char_probs)``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from platekit.core.formats import Region, get_region
from platekit.core.tokenizer import CTCTokenizer, SlotTokenizer
from platekit.models.registry import register_model

_GREY = (0.299, 0.587, 0.114)


class RecognizerBase(nn.Module):
    """Normalisation inside the model, region/alphabet attributes, numpy decoding."""

    decoder = "slots"

    def __init__(self, region: str, input_size: tuple[int, int], grey: bool = False, alphabet: str | None = None):
        super().__init__()
        r = get_region(region)
        self.region = region
        # alphabet: the region's unless given (a checkpoint of an older, shorter alphabet: cn readers before session 14)
        self.alphabet, self.pad, self.n_slots = alphabet or r.alphabet, r.pad, r.n_slots
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.grey = bool(grey)
        self.in_chans = 1 if grey else 3
        c = self.in_chans
        self.register_buffer("mean", torch.full((1, c, 1, 1), 0.5), persistent=False)
        self.register_buffer("std", torch.full((1, c, 1, 1), 0.25), persistent=False)
        self.register_buffer("grey_w", torch.tensor(_GREY).view(1, 3, 1, 1), persistent=False)

    @property
    def region_spec(self) -> Region:
        """The region as this model reads it (its own alphabet and the formats that alphabet can spell)."""
        return get_region(self.region).for_alphabet(self.alphabet)

    @property
    def tokenizer(self) -> SlotTokenizer | CTCTokenizer:
        r = self.region_spec
        return SlotTokenizer.for_region(r) if self.decoder == "slots" else CTCTokenizer.for_region(r)

    @property
    def num_classes(self) -> int:
        return self.tokenizer.num_classes

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 [N, H, W, 3] RGB -> float [N, C, H, W] (C = 1 when grey)."""
        x = x.permute(0, 3, 1, 2).float() / 255.0
        if self.grey:
            x = (x * self.grey_w).sum(1, keepdim=True)
        return (x - self.mean) / self.std

    def decode(self, logits: torch.Tensor | np.ndarray, constrained: bool = False):
        """logits -> (texts, char_probs); ``constrained`` returns the best format-valid text."""
        return decode_logits(self, logits, constrained)


def decode_logits(model: nn.Module, logits, constrained: bool = False) -> tuple[list[str], list[np.ndarray]]:
    """Decode any recognizer's logits (works for models not derived from RecognizerBase too)."""
    from platekit.core.ctc_decode import ctc_decode_constrained

    if isinstance(logits, torch.Tensor):
        probs = logits.detach().float().softmax(-1).cpu().numpy()
    else:
        probs = np.asarray(logits, np.float32)
    region = model.region_spec if hasattr(model, "region_spec") else get_region(model.region)
    if model.decoder == "slots":
        tok = SlotTokenizer.for_region(region)
        if constrained:
            texts, cps, _ = tok.decode_constrained(probs, region)
            return texts, cps
        return tok.decode(probs)
    tok = CTCTokenizer.for_region(region)
    if constrained:
        texts, cps, _ = ctc_decode_constrained(probs, region)
        return texts, cps
    return tok.decode(probs)


def slot_mask(region: str, mode: str) -> torch.Tensor:
    """Additive logit mask [S, C] (0 allowed, -1e4 not) for the per-slot class sets.

    mode: ``free`` every slot reads every class; ``first`` slot 0 has its own class set (the
    province head on Chinese plates) and slots 1.. share the rest; ``format`` each slot reads the
    union of what the region's formats allow there (pad included where a format is shorter).
    """
    r = get_region(region)
    tok = SlotTokenizer.for_region(r)
    index = {c: i for i, c in enumerate(tok.vocab)}
    allowed = np.zeros((r.n_slots, tok.num_classes), dtype=bool)
    pats = [p for _, p in r.slot_patterns()]
    if mode == "free":
        allowed[:] = True
    elif mode == "first":
        first = {c for p in pats for c in p[0]}
        rest = {c for p in pats for s in p[1:] for c in s}
        allowed[0, [index[c] for c in first]] = True
        allowed[1:, [index[c] for c in rest]] = True
    elif mode == "format":
        for p in pats:
            for s, chars in enumerate(p):
                allowed[s, [index[c] for c in chars]] = True
    else:
        raise ValueError(f"slot_charsets must be free | first | format, got {mode!r}")
    return torch.from_numpy(np.where(allowed, 0.0, -1e4).astype(np.float32))


class SlotHeads(nn.Module):
    """Per-slot linear heads on per-slot features [N, S, D] (or shared features [N, D])."""

    def __init__(self, dim: int, n_slots: int, num_classes: int, mask: torch.Tensor, drop: float = 0.0):
        super().__init__()
        self.n_slots = n_slots
        self.drop = nn.Dropout(drop)
        self.weight = nn.Parameter(torch.randn(n_slots, dim, num_classes) * dim**-0.5)
        self.bias = nn.Parameter(torch.zeros(n_slots, num_classes))
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        f = self.drop(f)
        if f.dim() == 2:  # shared features: every head reads the same vector
            out = torch.einsum("nd,sdc->nsc", f, self.weight)
        else:
            out = torch.einsum("nsd,sdc->nsc", f, self.weight)
        return out + self.bias + self.mask  # [N, S, C]


def _drop_unused_children(backbone: nn.Module, c: int, h: int, w: int) -> None:
    """Replace top-level children that ``forward_features`` never uses (timm's head convs) by Identity."""
    backbone.eval()
    backbone.zero_grad(set_to_none=True)
    backbone.forward_features(torch.zeros(1, c, h, w)).sum().backward()
    for name, child in list(backbone.named_children()):
        ps = list(child.parameters())
        if ps and all(p.grad is None for p in ps):
            setattr(backbone, name, nn.Identity())
    backbone.zero_grad(set_to_none=True)
    backbone.train()


class MultiHead(RecognizerBase):
    """timm backbone (num_classes=0, random init) -> features -> one linear head per slot."""

    def __init__(
        self,
        region: str = "cn",
        input_size: tuple[int, int] = (48, 144),
        backbone: str = "mobilenetv3_small_050",
        grey: bool = False,
        pool: str = "flatten",
        reduce_dim: int = 96,
        slot_charsets: str = "first",
        drop_rate: float = 0.1,
    ):
        super().__init__(region, input_size, grey)
        import timm

        self.backbone = timm.create_model(backbone, pretrained=False, num_classes=0, in_chans=self.in_chans)
        self.pool = pool
        h, w = self.input_size
        self.backbone.eval()
        with torch.no_grad():
            fmap = self.backbone.forward_features(torch.zeros(1, self.in_chans, h, w))  # [1, F, h', w']
        self.backbone.train()
        if pool == "flatten":  # keeps where each feature is: better for position-bound slots
            _drop_unused_children(self.backbone, self.in_chans, h, w)
            self.reduce = nn.Sequential(
                nn.Conv2d(fmap.shape[1], reduce_dim, 1, bias=False), nn.BatchNorm2d(reduce_dim), nn.ReLU(inplace=True)
            )
            dim = reduce_dim * fmap.shape[2] * fmap.shape[3]
        elif pool == "avg":
            self.reduce = None
            dim = self.backbone.num_features if not hasattr(self.backbone, "head_hidden_size") else (
                self.backbone.head_hidden_size or self.backbone.num_features
            )
        else:
            raise ValueError(f"pool must be flatten | avg, got {pool!r}")
        tok = SlotTokenizer.for_region(self.region_spec)
        self.heads = SlotHeads(dim, self.n_slots, tok.num_classes, slot_mask(region, slot_charsets), drop_rate)

    def backbone_parameters(self):
        return self.backbone.parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x uint8 [N, H, W, 3] -> logits [N, n_slots, C]."""
        f = self.backbone.forward_features(self.normalize(x))  # [N, F, h', w']
        if self.reduce is not None:
            f = self.reduce(f).flatten(1)  # [N, D]
        else:
            f = self.backbone.forward_head(f, pre_logits=True)  # [N, D]
        return self.heads(f)


# --- a small ResNet-style CNN shared by multihead_lstm and crnn_ctc ---------------------------


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int | tuple[int, int] = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.act = nn.ReLU(inplace=True)
        self.short = (
            nn.Identity()
            if cin == cout and stride == 1
            else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.bn1(self.conv1(x)))
        return self.act(self.bn2(self.conv2(y)) + self.short(x))


class SeqCNN(nn.Module):
    """[N, C, H, W] -> sequence [N, W/s, D], s = frame_stride (4 or 8); height pooled away.

    Strides: stem 2, block1 2, block2 (2, 1) or 2 when s = 8, block3 (2, 1). The weights do not
    depend on s, so an s = 4 checkpoint initialises an s = 8 model (half the frames: a faster
    BiLSTM and block3).
    """

    def __init__(self, in_chans: int = 3, widths: tuple[int, ...] = (32, 64, 96, 128), frame_stride: int = 4):
        super().__init__()
        if frame_stride not in (4, 8):
            raise ValueError(f"frame_stride must be 4 or 8, got {frame_stride}")
        w0, w1, w2, w3 = widths
        self.stem = nn.Sequential(nn.Conv2d(in_chans, w0, 3, 2, 1, bias=False), nn.BatchNorm2d(w0), nn.ReLU(inplace=True))
        self.layers = nn.Sequential(  # stem: H/2, W/2
            BasicBlock(w0, w1, 2),  # H/4, W/4
            BasicBlock(w1, w2, (2, 1) if frame_stride == 4 else 2),  # H/8, W/s
            BasicBlock(w2, w3, (2, 1)),  # H/16, W/s
        )
        self.out_dim = w3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.layers(self.stem(x))  # [N, D, H/16, W/s]
        return f.mean(2).transpose(1, 2)  # [N, T, D]


class MultiHeadLSTM(RecognizerBase):
    """CNN -> 2-layer BiLSTM across the width -> per-slot attention pooling -> slot heads."""

    def __init__(
        self,
        region: str = "cn",
        input_size: tuple[int, int] = (48, 144),
        grey: bool = False,
        widths: tuple[int, ...] = (32, 64, 96, 128),
        hidden: int = 96,
        slot_charsets: str = "first",
        drop_rate: float = 0.1,
    ):
        super().__init__(region, input_size, grey)
        self.cnn = SeqCNN(self.in_chans, tuple(widths))
        self.rnn = nn.LSTM(self.cnn.out_dim, hidden, num_layers=2, bidirectional=True, batch_first=True)
        d = 2 * hidden
        self.queries = nn.Parameter(torch.randn(self.n_slots, d) * d**-0.5)
        tok = SlotTokenizer.for_region(self.region_spec)
        self.heads = SlotHeads(d, self.n_slots, tok.num_classes, slot_mask(region, slot_charsets), drop_rate)

    def backbone_parameters(self):
        return self.cnn.parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x uint8 [N, H, W, 3] -> logits [N, n_slots, C]."""
        seq, _ = self.rnn(self.cnn(self.normalize(x)))  # [N, T, D]
        att = torch.einsum("ntd,sd->nst", seq, self.queries).softmax(-1)  # [N, S, T]
        return self.heads(torch.einsum("nst,ntd->nsd", att, seq))  # [N, S, C]


@register_model("recognizer")
def multihead(region: str = "cn", input_size: tuple[int, int] = (48, 144), **kw) -> MultiHead:
    """timm backbone from scratch (default mobilenetv3_small_050) + one linear head per slot."""
    return MultiHead(region=region, input_size=tuple(input_size), **kw)


@register_model("recognizer")
def multihead_lstm(region: str = "cn", input_size: tuple[int, int] = (48, 144), **kw) -> MultiHeadLSTM:
    """Small ResNet CNN + 2-layer BiLSTM + per-slot attention heads."""
    return MultiHeadLSTM(region=region, input_size=tuple(input_size), **kw)
