"""Logging for the package (``logging.getLogger(__name__)`` in each module) and the CLI's ``-v`` / ``-q``.

Messages go to stderr; results (JSON, tables) go to stdout. ``platekit -q`` shows warnings and errors
only, ``platekit -v`` adds debug messages, Lightning's start-up lines and its warnings.
"""

from __future__ import annotations

import logging
import os
import warnings

_state = {"verbosity": 0}

# Lightning's messages that say nothing about this run (shown with -v)
_NOISE = [
    r".*does not have many workers.*",
    r".*isinstance\(treespec, LeafSpec\)` is deprecated.*",
    r"Your `IterableDataset` has `__len__` defined.*",
    r"The number of training batches .* is smaller than the logging interval.*",
    r".*`srun` command is available on your system.*",
    r"Grad strides do not match bucket view strides.*",  # DDP on CPU: a speed note about memory layout
]


def verbosity() -> int:
    """-1 quiet, 0 normal, 1+ verbose (as set by :func:`setup`)."""
    return _state["verbosity"]


def setup(verbosity: int = 0) -> None:
    """Configure the ``platekit`` logger: INFO by default, WARNING with -q, DEBUG with -v.

    Ranks > 0 of a multi-process (DDP) run log warnings only, so each message shows once."""
    _state["verbosity"] = verbosity
    level = logging.DEBUG if verbosity > 0 else logging.WARNING if verbosity < 0 else logging.INFO
    if int(os.environ.get("LOCAL_RANK", "0") or 0) > 0 or int(os.environ.get("NODE_RANK", "0") or 0) > 0:
        level = max(level, logging.WARNING)
    handler = logging.StreamHandler()
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s" if verbosity > 0 else "%(message)s"
    handler.setFormatter(logging.Formatter(fmt, "%H:%M:%S"))
    logger = logging.getLogger("platekit")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    _lightning_levels()


def _lightning_levels() -> None:
    level = logging.WARNING if verbosity() < 1 else logging.INFO
    # the parents are reset to INFO when lightning is imported; the seed loggers are not
    for name in ("lightning.pytorch", "lightning.fabric", "lightning", "lightning.fabric.utilities.seed",
                 "lightning.pytorch.utilities.seed"):
        logging.getLogger(name).setLevel(level)


def tame_lightning() -> None:
    """Call after importing lightning (its import resets its loggers to INFO): its start-up lines
    ("GPU available", "configured so 100%", adverts, "Seed set to") and noise warnings only with -v."""
    _lightning_levels()
    if verbosity() < 1:
        for pattern in _NOISE:
            warnings.filterwarnings("ignore", message=pattern)
