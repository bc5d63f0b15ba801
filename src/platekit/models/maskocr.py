"""MaskOCR recognizer: a ViT over *vertical strip* patches + a parallel slot decoder.

* ``encoder`` (:class:`StripViT`): the plate crop is cut into full-height strips ``H x patch_w``
  (a strip covers a slice of every character row), each strip is a token; fixed 1-D sin-cos
  positions; pre-norm transformer blocks.
* ``decoder`` (:class:`SlotDecoder`): ``n_slots`` learned queries, each a character position,
  attend to each other and to the encoder tokens (transformer decoder layers), then a linear
  layer -> ``[N, n_slots, C]`` logits read by ``core.tokenizer.SlotTokenizer`` (pad fills the
  slots after a short plate). Parallel, not autoregressive: one pass for all characters (batch-1
  CPU latency; a static ONNX graph) and the same "slots" contract as every other recognizer.
* ``mae_decoder`` (only when ``mae_head=True``): the masked-autoencoder head used by
  ``forward_mae``; pixel reconstruction loss on masked strips (see ``train/pretrain.py``).

The encoder submodule is named ``encoder`` in pretraining and fine-tuning alike, so a pretrained
checkpoint's ``encoder.*`` weights load unchanged into a recognizer (``init_from``).
"""

from __future__ import annotations

import torch
from torch import nn

from platekit.core.formats import get_region
from platekit.core.tokenizer import SlotTokenizer
from platekit.models.recognizers import decode_logits, slot_mask
from platekit.models.registry import register_model

MEAN, STD = 0.5, 0.5


def sincos_1d(n: int, dim: int) -> torch.Tensor:
    """Fixed 1-D sine-cosine position table [n, dim] (MAE style)."""
    pos = torch.arange(n, dtype=torch.float32)[:, None]
    omega = 1.0 / 10000 ** (torch.arange(dim // 2, dtype=torch.float32) / (dim // 2))
    ang = pos * omega[None]  # [n, dim/2]
    out = torch.zeros(n, dim)
    out[:, : dim // 2], out[:, dim // 2 : dim // 2 * 2] = torch.sin(ang), torch.cos(ang)
    return out


class Attention(nn.Module):
    """Multi-head attention written with plain matmuls (exports to any ONNX opset)."""

    def __init__(self, dim: int, heads: int, drop: float = 0.0):
        super().__init__()
        if dim % heads:
            raise ValueError(f"embed dim {dim} not divisible by {heads} heads")
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor, mem: torch.Tensor | None = None) -> torch.Tensor:
        mem = x if mem is None else mem
        n, lq, d = x.shape
        h = self.heads
        q = self.q(x).reshape(n, lq, h, d // h).transpose(1, 2)  # [N, h, Lq, d/h]
        k, v = self.kv(mem).reshape(n, -1, 2, h, d // h).permute(2, 0, 3, 1, 4).unbind(0)  # [N, h, Lk, d/h]
        att = (q @ k.transpose(-2, -1) * self.scale).softmax(-1)  # [N, h, Lq, Lk]
        out = (att @ v).transpose(1, 2).reshape(n, lq, d)
        return self.drop(self.proj(out))


class Mlp(nn.Sequential):
    def __init__(self, dim: int, ratio: float, drop: float):
        hidden = int(dim * ratio)
        super().__init__(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim), nn.Dropout(drop))


class Block(nn.Module):
    """Pre-norm encoder block: self-attention + MLP."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0, drop: float = 0.0):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim), Attention(dim, heads, drop)
        self.norm2, self.mlp = nn.LayerNorm(dim), Mlp(dim, mlp_ratio, drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class DecoderBlock(nn.Module):
    """Pre-norm transformer decoder block: query self-attention, cross-attention, MLP."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0, drop: float = 0.0):
        super().__init__()
        self.norm1, self.self_attn = nn.LayerNorm(dim), Attention(dim, heads, drop)
        self.norm2, self.cross_attn = nn.LayerNorm(dim), Attention(dim, heads, drop)
        self.norm_mem = nn.LayerNorm(dim)
        self.norm3, self.mlp = nn.LayerNorm(dim), Mlp(dim, mlp_ratio, drop)

    def forward(self, q: torch.Tensor, mem: torch.Tensor) -> torch.Tensor:
        q = q + self.self_attn(self.norm1(q))
        q = q + self.cross_attn(self.norm2(q), self.norm_mem(mem))
        return q + self.mlp(self.norm3(q))


class StripViT(nn.Module):
    """ViT whose patches are vertical strips: [N, 3, H, W] -> tokens [N, W / patch_w, D]."""

    def __init__(self, input_size: tuple[int, int], patch_w: int, dim: int, depth: int, heads: int,
                 mlp_ratio: float = 4.0, drop: float = 0.0):
        super().__init__()
        h, w = input_size
        if w % patch_w:
            raise ValueError(f"input width {w} not divisible by patch width {patch_w}")
        self.n_patches = w // patch_w
        self.patch_embed = nn.Conv2d(3, dim, kernel_size=(h, patch_w), stride=(h, patch_w))
        self.register_buffer("pos_embed", sincos_1d(self.n_patches, dim)[None], persistent=False)
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_ratio, drop) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """[N, 3, H, W] normalised -> [N, L, D] strip tokens with positions."""
        return self.patch_embed(x).flatten(2).transpose(1, 2) + self.pos_embed

    def forward(self, x: torch.Tensor, ids_keep: torch.Tensor | None = None) -> torch.Tensor:
        t = self.embed(x)  # [N, L, D]
        if ids_keep is not None:  # MAE: only the visible strips go through the encoder
            t = torch.gather(t, 1, ids_keep[..., None].expand(-1, -1, t.shape[-1]))
        for blk in self.blocks:
            t = blk(t)
        return self.norm(t)


class SlotDecoder(nn.Module):
    """Learned slot queries + transformer decoder layers + linear: tokens -> [N, n_slots, C]."""

    def __init__(self, enc_dim: int, dim: int, depth: int, heads: int, n_slots: int, num_classes: int,
                 mlp_ratio: float = 4.0, drop: float = 0.0):
        super().__init__()
        self.mem_proj = nn.Linear(enc_dim, dim) if enc_dim != dim else nn.Identity()
        self.queries = nn.Parameter(torch.zeros(1, n_slots, dim))
        nn.init.trunc_normal_(self.queries, std=0.02)
        self.blocks = nn.ModuleList(DecoderBlock(dim, heads, mlp_ratio, drop) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.drop = nn.Dropout(drop)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, mem: torch.Tensor) -> torch.Tensor:
        mem = self.mem_proj(mem)
        q = self.queries.expand(mem.shape[0], -1, -1)
        for blk in self.blocks:
            q = blk(q, mem)
        return self.head(self.drop(self.norm(q)))


class MAEDecoder(nn.Module):
    """Light MAE head: visible tokens + mask tokens -> per-strip pixels [N, L, H * patch_w * 3]."""

    def __init__(self, enc_dim: int, dim: int, depth: int, heads: int, n_patches: int, patch_dim: int):
        super().__init__()
        self.embed = nn.Linear(enc_dim, dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dim))
        nn.init.normal_(self.mask_token, std=0.02)
        self.register_buffer("pos_embed", sincos_1d(n_patches, dim)[None], persistent=False)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.pred = nn.Linear(dim, patch_dim)

    def forward(self, latent: torch.Tensor, ids_restore: torch.Tensor) -> torch.Tensor:
        t = self.embed(latent)  # [N, L_keep, d]
        n, keep, d = t.shape
        masks = self.mask_token.expand(n, ids_restore.shape[1] - keep, d)
        t = torch.cat([t, masks], 1)  # shuffled order
        t = torch.gather(t, 1, ids_restore[..., None].expand(-1, -1, d)) + self.pos_embed  # original order
        for blk in self.blocks:
            t = blk(t)
        return self.pred(self.norm(t))


class MaskOCR(nn.Module):
    """MaskOCR recognizer; ``decoder = "slots"``, ``input_size = (H, W)``."""

    def __init__(
        self,
        region: str = "cn",
        input_size: tuple[int, int] = (48, 144),
        patch_w: int = 4,
        embed_dim: int = 192,
        depth: int = 4,
        heads: int = 4,
        dec_dim: int | None = None,
        dec_depth: int = 2,
        dec_heads: int | None = None,
        mlp_ratio: float = 4.0,
        drop_rate: float = 0.1,
        slot_charsets: str = "first",
        mae_head: bool = False,
        mae_dim: int = 128,
        mae_depth: int = 2,
        mae_heads: int = 4,
        norm_pix_loss: bool = True,
    ):
        super().__init__()
        r = get_region(region)
        tok = SlotTokenizer.for_region(r)
        self.region, self.n_slots, self.num_classes = region, tok.n_slots, tok.num_classes
        self.alphabet, self.pad = r.alphabet, r.pad
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.decoder = "slots"
        self.patch_w, self.norm_pix_loss = patch_w, norm_pix_loss
        self.encoder = StripViT(self.input_size, patch_w, embed_dim, depth, heads, mlp_ratio, drop_rate)
        dec_dim = dec_dim or embed_dim
        self.slot_decoder = SlotDecoder(embed_dim, dec_dim, dec_depth, dec_heads or heads, self.n_slots,
                                        self.num_classes, mlp_ratio, drop_rate)
        # additive per-slot class mask, as the other slot recognizers (slot 0 = province on cn plates)
        self.register_buffer("slot_mask", slot_mask(region, slot_charsets), persistent=False)
        self.mae_decoder = (
            MAEDecoder(embed_dim, mae_dim, mae_depth, mae_heads, self.encoder.n_patches,
                       self.input_size[0] * patch_w * 3)
            if mae_head else None
        )
        self.apply(_init_weights)

    # -- recognition -------------------------------------------------------------------------
    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 [N, H, W, 3] -> float [N, 3, H, W] in about [-1, 1]."""
        return (x.permute(0, 3, 1, 2).float() / 255.0 - MEAN) / STD

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x uint8 [N, H, W, 3] (RGB) -> logits [N, n_slots, C]."""
        return self.slot_decoder(self.encoder(self.normalize(x))) + self.slot_mask

    def backbone_parameters(self):
        """The encoder: ``optim.backbone_lr_mult`` scales its learning rate (pretrained encoders)."""
        return self.encoder.parameters()

    def decode(self, logits: torch.Tensor, constrained: bool = False) -> tuple[list[str], list]:
        """logits -> (texts, char_probs); ``constrained`` returns the best format-valid text."""
        return decode_logits(self, logits, constrained)

    # -- masked-autoencoder pretraining --------------------------------------------------------
    def patchify(self, img: torch.Tensor) -> torch.Tensor:
        """[N, 3, H, W] -> [N, L, H * patch_w * 3] (one row of pixels per strip)."""
        n, c, h, w = img.shape
        p = self.patch_w
        return img.reshape(n, c, h, w // p, p).permute(0, 3, 2, 4, 1).reshape(n, w // p, h * p * c)

    def unpatchify(self, patches: torch.Tensor) -> torch.Tensor:
        """[N, L, H * patch_w * 3] -> [N, 3, H, W] (inverse of :meth:`patchify`)."""
        n, length, _ = patches.shape
        h, p = self.input_size[0], self.patch_w
        return patches.reshape(n, length, h, p, 3).permute(0, 4, 2, 1, 3).reshape(n, 3, h, length * p)

    def forward_mae(self, x: torch.Tensor, mask_ratio: float = 0.6) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x uint8 [N, H, W, 3] -> (loss, pred [N, L, H*pw*3], mask [N, L] 1 = masked strip).

        A random ``mask_ratio`` of the strips of each image is hidden from the encoder; the MAE
        head reconstructs their pixels (per-strip normalised when ``norm_pix_loss``); the loss
        is the mean squared error over the masked strips only.
        """
        if self.mae_decoder is None:
            raise RuntimeError("forward_mae needs a model built with mae_head=True")
        if not 0.0 <= mask_ratio < 1.0:
            raise ValueError(f"mask_ratio must be in [0, 1), got {mask_ratio}")
        img = self.normalize(x)
        n, length = img.shape[0], self.encoder.n_patches
        keep = max(1, int(round(length * (1 - mask_ratio))))
        noise = torch.rand(n, length, device=img.device)
        ids_shuffle = noise.argsort(1)  # ascending: the first `keep` are visible
        ids_restore = ids_shuffle.argsort(1)
        mask = torch.ones(n, length, device=img.device)
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, ids_restore)  # [N, L] in the original order

        latent = self.encoder(img, ids_keep=ids_shuffle[:, :keep])  # [N, keep, D]
        pred = self.mae_decoder(latent, ids_restore)  # [N, L, P]
        target = self.patchify(img)
        if self.norm_pix_loss:
            mu, var = target.mean(-1, keepdim=True), target.var(-1, keepdim=True)
            target = (target - mu) / (var + 1e-6).sqrt()
        per_patch = ((pred - target) ** 2).mean(-1)  # [N, L]
        loss = (per_patch * mask).sum() / mask.sum().clamp(min=1.0)
        return loss, pred, mask


def _init_weights(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Conv2d):  # patch embedding as a linear layer (MAE)
        w = m.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def count_params(model: nn.Module, exclude_mae: bool = True) -> int:
    return sum(p.numel() for n, p in model.named_parameters() if not (exclude_mae and n.startswith("mae_decoder.")))


@register_model("recognizer")
def maskocr_tiny(region: str = "cn", input_size: tuple[int, int] = (48, 144), **kw) -> MaskOCR:
    """CPU-sized MaskOCR: 4 encoder layers, 192 wide, 2 decoder layers, 4-px strips."""
    args = dict(patch_w=4, embed_dim=192, depth=4, heads=4, dec_depth=2, drop_rate=0.1,
                mae_dim=128, mae_depth=2, mae_heads=4)
    return MaskOCR(region=region, input_size=tuple(input_size), **{**args, **kw})


@register_model("recognizer")
def maskocr_base(region: str = "cn", input_size: tuple[int, int] = (48, 192), **kw) -> MaskOCR:
    """The seed's settings: 48x192 input, 8 encoder layers, 12 heads, embed 624, 6 decoder layers,
    dropout 0.25; 4-px strips (48 tokens)."""
    args = dict(patch_w=4, embed_dim=624, depth=8, heads=12, dec_depth=6, drop_rate=0.25,
                mae_dim=256, mae_depth=4, mae_heads=8)
    return MaskOCR(region=region, input_size=tuple(input_size), **{**args, **kw})


__all__ = ["MaskOCR", "StripViT", "SlotDecoder", "MAEDecoder", "count_params", "maskocr_tiny", "maskocr_base"]
