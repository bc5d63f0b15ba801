"""The ``platekit`` command. One module per command in this package; each exposes ``register(app)``.

Command modules import heavy libraries (torch, lightning) inside their functions only, so
``platekit read`` never imports torch.
"""

from __future__ import annotations

import importlib

import typer

from platekit import __version__
from platekit import log as pklog
from platekit.core.image import ImageError
from platekit.errors import PlatekitError

app = typer.Typer(
    name="platekit",
    help="Automatic licence-plate recognition: detect, rectify and read plates on a CPU.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# command modules, in help order; a module missing here simply has no command yet
COMMANDS = ["read", "models", "data", "synth", "train", "pretrain", "eval", "export", "bench", "serve", "cluster"]


def _version(value: bool):
    if value:
        typer.echo(f"platekit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True,
                                help="More messages on stderr (debug lines, Lightning's own messages)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Warnings and errors only on stderr; no progress bar."),
):
    """platekit: find and read licence plates."""
    pklog.setup(-1 if quiet else verbose)


for _name in COMMANDS:
    try:
        _mod = importlib.import_module(f"platekit.cli.{_name}")
    except ModuleNotFoundError as _e:  # command module not written yet
        if _e.name != f"platekit.cli.{_name}":
            raise
        continue
    _mod.register(app)


def fail(msg: str, code: int = 2) -> None:
    typer.echo(f"platekit: error: {msg}", err=True)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    pklog.setup(0)
    try:
        app(args=argv, standalone_mode=True)
    except (PlatekitError, ImageError, FileNotFoundError) as e:
        fail(str(e))
    except ModuleNotFoundError as e:
        fail(f"missing dependency {e.name!r}: install the extra that provides it, e.g. pip install 'platekit[train]'")
    except KeyboardInterrupt:
        fail("interrupted", 130)


if __name__ == "__main__":
    main()
