"""One config field written as one call: ``lr: float = option(1e-3, "Adam lr", **LEARNING_RATE)``.

:func:`option` is ``dataclasses.field(default=..., metadata={"help": ..., ...})`` of
:mod:`coordconv_train.config` (docs/architecture.md): the default, the ``--help`` text, then
anything else the metadata carries (``choices``, the bounds ``min`` / ``max`` / ``above``),
so a config's fields read as a list of flags rather than of metadata dictionaries.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any


def option(default: Any, help: str, **metadata: Any) -> Any:
    """A config field with ``default`` and ``metadata`` ``{"help": help, **metadata}``; use
    ``dataclasses.field(default_factory=...)`` for a mutable default."""
    return field(default=default, metadata={"help": help, **metadata})
