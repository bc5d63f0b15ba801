"""``platekit eval {reader,recognizer,detector}``: each subcommand lives in its own module."""

from __future__ import annotations

import importlib

import typer


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Evaluate the reader, a recognizer or a detector on labelled data.", no_args_is_help=True)
    for sub in ("eval_reader", "eval_recognizer", "eval_detector"):
        try:
            importlib.import_module(f"platekit.cli.{sub}").register(group)
        except ModuleNotFoundError as e:
            if e.name != f"platekit.cli.{sub}":
                raise
    app.add_typer(group, name="eval")
