"""``platekit pretrain recognizer CONFIG.yaml [key=value ...]``: MAE pretraining of a MaskOCR encoder."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Self-supervised pretraining on unlabelled plate crops.", no_args_is_help=True)

    @group.command("recognizer")
    def recognizer(
        config: Path = typer.Argument(..., help="YAML config (see configs/maskocr_tiny_pretrain.yaml)."),
        overrides: list[str] = typer.Argument(None, help="key=value overrides, e.g. trainer.max_steps=100"),
    ):
        """Masked-autoencoder pretraining of a MaskOCR recognizer's encoder (real crops without labels
        + synthetic crops); fine-tune afterwards with `platekit train recognizer` and `init_from: PATH`."""
        from platekit.train.config import load_config
        from platekit.train.pretrain import PretrainConfig, run_pretrain

        cfg = load_config(PretrainConfig, config, overrides or [])
        path = run_pretrain(cfg)
        typer.echo(f"pretrained checkpoint: {path}")

    app.add_typer(group, name="pretrain")
