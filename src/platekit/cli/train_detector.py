"""``platekit train detector CONFIG.yaml [key=value ...]``: train the plate detector."""

from __future__ import annotations

import typer


def register(group: typer.Typer) -> None:
    @group.command("detector")
    def train_detector(
        config: str = typer.Argument(..., help="YAML config (see configs/det_*.yaml)."),
        overrides: list[str] = typer.Argument(None, help="key=value overrides, e.g. trainer.max_epochs=2"),
    ):
        """Train the plate detector (CCPD scenes + openlpr boxes); writes best.ckpt / last.ckpt to out_dir."""
        from platekit.train.config import load_config
        from platekit.train.detector import DetectorTrainConfig, train_detector

        cfg = load_config(DetectorTrainConfig, config, overrides or [])
        best = train_detector(cfg)
        typer.echo(f"best checkpoint: {best}")
