"""``coordconv-vision detect``: the scattered-MNIST region-proposal model (S6, table S3)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from coordconv_train import add_config_command, config_from_args, log_to_stdout, report_results
from coordconv_vision.detection.config import DetectionConfig

EPILOG = """examples:
  coordconv-data generate scattered-mnist --out data
  coordconv-vision detect --data data/scattered_mnist.npz --model conv --out runs/det-conv
  coordconv-vision detect --data data/scattered_mnist.npz --model coordconv --out runs/det-cc
  coordconv-vision compare runs/det-cc --baseline runs/det-conv
"""


def run(args: argparse.Namespace) -> int:
    """Train from the parsed flags; print the final results."""
    from coordconv_vision.detection.train import train_detector

    log_to_stdout(logging.WARNING)
    results = train_detector(config_from_args(DetectionConfig, args))
    return report_results(results, "stopped at step {step}; rerun with --resume")


def register(subparsers: Any) -> None:
    """Add the ``detect`` subcommand."""
    add_config_command(
        subparsers,
        "detect",
        DetectionConfig,
        run,
        help="region proposals on scattered MNIST, conv vs CoordConv (S6, table S3)",
        description=(
            "Train the Faster R-CNN-style region-proposal model of S6 (no classification head) on "
            "a scattered-MNIST .npz and report table S3's metrics on its test set."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
