"""``platekit train recognizer CONFIG.yaml [key=value ...]``."""

from __future__ import annotations

import json

import typer


def register(group: typer.Typer) -> None:
    @group.command("recognizer")
    def train_recognizer(
        config: str = typer.Argument(..., help="YAML config (see configs/rec_*.yaml)."),
        overrides: list[str] = typer.Argument(None, help="Dotted overrides, e.g. optim.lr=0.001 trainer.max_epochs=5"),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate the config and print it, do not train."),
    ):
        """Train a plate recognizer (multihead, multihead_lstm, crnn_ctc, maskocr_*) with Lightning."""
        from platekit.train.config import load_config
        from platekit.train.recognizer import RecognizerTrainConfig, fit

        cfg = load_config(RecognizerTrainConfig, config, overrides or [])
        if dry_run:
            typer.echo(json.dumps(cfg.model_dump(mode="json"), indent=2, ensure_ascii=False))
            return
        summary = fit(cfg)
        if summary.get("rank", 0) == 0:  # DDP: the other processes print nothing
            typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
