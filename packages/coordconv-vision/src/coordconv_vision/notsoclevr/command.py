"""``coordconv-vision notsoclevr`` (one run) and ``coordconv-vision sweep`` (the fig. S2 grid)."""

from __future__ import annotations

import argparse
import logging

from coordconv_train import (
    EXIT_STOPPED,
    add_config_command,
    config_from_args,
    is_stopped,
    log_to_stdout,
    report_results,
)
from coordconv_vision.notsoclevr.config import NotSoClevrConfig
from coordconv_vision.notsoclevr.sweep import SweepConfig

EPILOG_RUN = """examples:
  coordconv-vision notsoclevr --task classification --model coordconv --split quadrant --out runs/cls-cc-q
  coordconv-vision notsoclevr --task rendering --model deconv --split uniform --epochs 100 --out runs/ren-dc-u
  coordconv-vision notsoclevr --task regression --model conv --split quadrant --out runs/reg-conv-q
"""


def _run(args: argparse.Namespace) -> int:
    from coordconv_vision.notsoclevr.train import train

    log_to_stdout(logging.INFO)
    results = train(config_from_args(NotSoClevrConfig, args))
    return report_results(results, "stopped at epoch {epoch}, batch {batch}; rerun with --resume")


def _sweep(args: argparse.Namespace) -> int:
    from coordconv_vision.notsoclevr.sweep import run_sweep

    log_to_stdout(logging.WARNING)
    summary = run_sweep(config_from_args(SweepConfig, args))
    if is_stopped(summary):
        print("sweep stopped; rerun with --resume")
        return EXIT_STOPPED
    for key, row in summary["best"].items():
        metrics = {k: round(v, 4) for k, v in row.items() if k.startswith("test_")}
        print(f"{key}: {row['run']} params={row['params']} {metrics}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the Not-so-Clevr subcommands to the ``coordconv-vision`` parser."""
    add_config_command(
        subparsers,
        "notsoclevr",
        NotSoClevrConfig,
        _run,
        help="train one model on a Not-so-Clevr coordinate task (paper S1-S4)",
        description="Train one model on a supervised Not-so-Clevr task: coordinate "
        "classification, coordinate regression or supervised rendering. Unset "
        "hyperparameters take the paper's values for the task and model.",
        epilog=EPILOG_RUN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_command(
        subparsers,
        "sweep",
        SweepConfig,
        _sweep,
        help="model-size sweep of figure S2 (deconv grid vs CoordConv), best by validation",
        description="Run a grid of Not-so-Clevr models, keep the best per model and split by "
        "validation (carved out of train), write summary.json and the fig. S2 scatter.",
    )
