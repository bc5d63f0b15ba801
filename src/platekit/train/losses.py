"""Recognizer losses: per-slot cross-entropy (label smoothing, focal, GHM-C) summed over slots; CTC.

Slot models may mask classes a slot never reads with a large negative logit (``slot_charsets``);
label smoothing here spreads its mass over the *allowed* classes only, so a masked class never
becomes a target.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

MASKED = -5e3  # logits below this are masked-out classes


def _per_item_ce(logits: torch.Tensor, target: torch.Tensor, smoothing: float) -> tuple[torch.Tensor, torch.Tensor]:
    """logits [M, C], target [M] -> (loss [M], p_target [M])."""
    logp = logits.float().log_softmax(-1)
    nll = -logp.gather(1, target[:, None])[:, 0]
    p_t = (-nll).exp()
    if smoothing > 0:
        allowed = (logits > MASKED).float()
        smooth = -(logp * allowed).sum(-1) / allowed.sum(-1).clamp(min=1)
        nll = (1 - smoothing) * nll + smoothing * smooth
    return nll, p_t


class SlotLoss(nn.Module):
    """Sum over slots of a per-slot classification loss, mean over the batch.

    name: ``ce`` | ``focal`` (``(1 - p_t)^gamma`` CE) | ``ghm`` (GHM-C: each item weighted by the
    inverse density of its gradient norm ``1 - p_t``, densities smoothed with an EMA).
    """

    def __init__(
        self,
        n_slots: int,
        name: str = "ce",
        label_smoothing: float = 0.0,
        slot_weights: list[float] | None = None,
        focal_gamma: float = 2.0,
        ghm_bins: int = 10,
        ghm_momentum: float = 0.75,
    ):
        super().__init__()
        if name not in ("ce", "focal", "ghm"):
            raise ValueError(f"slot loss must be ce | focal | ghm, got {name!r}")
        if slot_weights is not None and len(slot_weights) != n_slots:
            raise ValueError(f"slot_weights has {len(slot_weights)} values, the model has {n_slots} slots")
        self.name, self.smoothing, self.gamma = name, label_smoothing, focal_gamma
        self.bins, self.momentum = ghm_bins, ghm_momentum
        w = torch.ones(n_slots) if slot_weights is None else torch.tensor(slot_weights, dtype=torch.float32)
        self.register_buffer("slot_weights", w, persistent=False)
        self.register_buffer("ghm_acc", torch.zeros(ghm_bins), persistent=False)

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """logits [N, S, C], targets [N, S] -> scalar."""
        n, s, c = logits.shape
        loss, p_t = _per_item_ce(logits.reshape(n * s, c), targets.reshape(-1), self.smoothing)
        if self.name == "focal":
            loss = (1 - p_t).clamp(min=0) ** self.gamma * loss
        elif self.name == "ghm":
            loss = loss * self._ghm_weights((1 - p_t).detach())
        return (loss.view(n, s) * self.slot_weights).sum(1).mean()

    def _ghm_weights(self, g: torch.Tensor) -> torch.Tensor:
        idx = (g * self.bins).long().clamp(max=self.bins - 1)
        counts = torch.bincount(idx, minlength=self.bins).float()
        if self.training:
            self.ghm_acc.mul_(self.momentum).add_((1 - self.momentum) * counts)
        dens = self.ghm_acc if self.ghm_acc.sum() > 0 else counts
        nonempty = (dens > 0).sum().clamp(min=1)
        w = g.numel() / (dens[idx].clamp(min=1e-6) * nonempty)
        return w / w.mean().clamp(min=1e-6)


class CTCLoss(nn.Module):
    """CTC over logits [N, T, C] (blank id 0); targets [N, L] padded, lengths [N]."""

    def forward(self, logits: torch.Tensor, targets: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        n, t, _ = logits.shape
        log_probs = logits.float().log_softmax(-1).transpose(0, 1)  # [T, N, C]
        in_len = torch.full((n,), t, dtype=torch.long)
        return F.ctc_loss(log_probs, targets, in_len, lengths, blank=0, reduction="mean", zero_infinity=True)
