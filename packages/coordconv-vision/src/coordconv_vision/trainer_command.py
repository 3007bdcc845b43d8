"""A trainer's subcommand: its flags are a config's fields; it trains and prints the results.

``notsoclevr``, ``detect`` and ``imagenet`` are each one :func:`add_trainer_command` call. The
trainer is named as ``"module:function"`` and imported when the command runs, so building the
parser (``--help``, a usage error) loads no model code (``notsoclevr`` registers from its own
trainer module, which the sweep imports anyway). Progress and a stop notice go to stdout
(:func:`~coordconv_train.log_to_stdout`); the results are printed by
:func:`~coordconv_train.report_results`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
from typing import Any

from coordconv_train import add_config_command, config_from_args, log_to_stdout, report_results

STOPPED_AT_STEP = "stopped at step {step}; rerun with --resume"


def add_trainer_command(
    subparsers: Any,
    name: str,
    config_cls: type,
    trainer: str,
    help: str,
    description: str,
    epilog: str,
    *,
    level: int = logging.WARNING,
    stopped: str = STOPPED_AT_STEP,
) -> argparse.ArgumentParser:
    """Add subcommand ``name`` whose flags are ``config_cls``'s fields and which runs
    ``trainer`` (``"module:function"``, taking the config, returning the results) with log
    messages of ``level`` and up on stdout; ``stopped`` is printed, formatted with the results,
    for a run stopped by a signal. ``description`` and ``epilog`` are shown as written."""

    def run(args: argparse.Namespace) -> int:
        module, _, function = trainer.partition(":")
        train = getattr(importlib.import_module(module), function)
        log_to_stdout(level)
        return report_results(train(config_from_args(config_cls, args)), stopped)

    return add_config_command(
        subparsers,
        name,
        config_cls,
        run,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
