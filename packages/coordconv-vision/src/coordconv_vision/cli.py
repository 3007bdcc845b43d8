"""The ``coordconv-vision`` console script: one subcommand per experiment.

Subcommands are collected from :data:`COMMAND_MODULES`; each module defines
``register(subparsers) -> None`` that adds its subparser(s) and sets ``func`` with
``set_defaults(func=...)``. ``func(args) -> int`` runs the command; user mistakes raise
:class:`coordconv_train.UserError` and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from coordconv_train import CliParser, run_cli
from coordconv_train.cli import console_main

PROG = "coordconv-vision"

COMMAND_MODULES: tuple[str, ...] = (
    "coordconv_vision.notsoclevr.train",
    "coordconv_vision.notsoclevr.sweep",
    "coordconv_vision.imagenet.command",
    "coordconv_vision.detection.command",
    "coordconv_vision.compare",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = CliParser(
        prog=PROG,
        description=(
            "CoordConv vision experiments (Liu et al., NeurIPS 2018): the Not-so-Clevr "
            "coordinate tasks, ImageNet and scattered-MNIST detection."
        ),
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    return int(args.func(args) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``coordconv-vision`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    return console_main(PROG, lambda: run_cli(build_parser(), argv, _dispatch))


if __name__ == "__main__":
    raise SystemExit(main())
