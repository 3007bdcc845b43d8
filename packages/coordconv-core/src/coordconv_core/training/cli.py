"""Console-script plumbing: turn :class:`UserError` into ``prog: error: message`` + exit 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from coordconv_core.training.errors import UserError


def run_cli(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    dispatch: Callable[[argparse.Namespace], int | None],
) -> int:
    """Parse ``argv`` and call ``dispatch(args)``; user errors exit with status 2.

    Argparse's own errors already exit 2. Returns the exit status for ``sys.exit``.
    """
    args = parser.parse_args(argv)
    try:
        return int(dispatch(args) or 0)
    except UserError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
