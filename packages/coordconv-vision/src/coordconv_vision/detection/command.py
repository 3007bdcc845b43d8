"""``coordconv-vision detect``: the scattered-MNIST region-proposal model (S6, table S3)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from coordconv_train import (
    EXIT_STOPPED,
    add_config_arguments,
    config_from_args,
    is_stopped,
    strict_json,
)
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

    # the stop notice (which signal, where the checkpoint is) on stdout: stderr holds nothing
    # but an error's one line
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stdout)
    results = train_detector(config_from_args(DetectionConfig, args))
    if is_stopped(results):
        print(f"stopped at step {results['step']}; rerun with --resume")
        return EXIT_STOPPED
    print(strict_json.dumps(results, indent=2, default=None))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``detect`` subcommand."""
    parser = subparsers.add_parser(
        "detect",
        help="region proposals on scattered MNIST, conv vs CoordConv (S6, table S3)",
        description=(
            "Train the Faster R-CNN-style region-proposal model of S6 (no classification head) on "
            "a scattered-MNIST .npz and report table S3's metrics on its test set."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_arguments(parser, DetectionConfig)
    parser.set_defaults(func=run)
