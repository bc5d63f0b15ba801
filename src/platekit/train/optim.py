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


def build_optimizer(model, o):
    """Adam/AdamW/RAdam from an ``OptimConfig``: backbone LR multiplier (``model.backbone_parameters()``
    when the model has it), no weight decay on norms and biases (parameters with ndim <= 1)."""
    import torch

    bb = {id(p) for p in model.backbone_parameters()} if hasattr(model, "backbone_parameters") else set()
    groups: dict[tuple[bool, bool], list] = {}
    for p in model.parameters():
        if p.requires_grad:
            groups.setdefault((id(p) in bb, p.ndim <= 1), []).append(p)
    params = [
        {"params": ps, "lr": o.lr * (o.backbone_lr_mult if is_bb else 1.0), "weight_decay": 0.0 if no_wd else o.weight_decay}
        for (is_bb, no_wd), ps in groups.items()
    ]
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "radam": torch.optim.RAdam}[o.name]
    return cls(params, lr=o.lr), params
