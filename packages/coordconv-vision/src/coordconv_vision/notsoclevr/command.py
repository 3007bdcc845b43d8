"""``coordconv-vision notsoclevr`` and ``coordconv-vision sweep`` subcommands (work in progress)."""

from __future__ import annotations

import argparse

from coordconv_core.training import UserError


def _not_ready(args: argparse.Namespace) -> int:
    raise UserError(f"{args.command} is not implemented yet")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the Not-so-Clevr subcommands to the ``coordconv-vision`` parser."""
    p = subparsers.add_parser("notsoclevr", help="train one model on a Not-so-Clevr task")
    p.set_defaults(func=_not_ready)
