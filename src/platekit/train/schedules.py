"""Learning-rate schedules shared by every training module."""

from __future__ import annotations


def one_cycle(opt, max_lr, total_steps: int, warmup_pct: float):
    """OneCycleLR (cosine) that also works for tiny runs: both phases get >= 2 steps."""
    import torch

    total = max(int(total_steps), 4)
    pct = min(max(warmup_pct, 2.5 / total), 1 - 2.5 / total)
    return torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=max_lr, total_steps=total, pct_start=pct, anneal_strategy="cos",
        div_factor=25.0, final_div_factor=1e3,
    )
