"""``coordconv-vision imagenet``: train/evaluate ResNet-50 or CoordConv ResNet-50 (S5, table S2)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from coordconv_train import add_config_command, config_from_args, log_to_stdout, report_results
from coordconv_vision.imagenet.config import ImageNetConfig

EPILOG = """examples:
  one GPU:        coordconv-vision imagenet --data /data/imagenet --model coordconv-resnet50 --out runs/cc50-1
  8 GPUs, 1 node: torchrun --nproc-per-node 8 -m coordconv_vision.cli imagenet --data /data/imagenet \\
                    --model coordconv-resnet50 --batch-size 32 --out runs/cc50-1
  convert:        coordconv-vision imagenet --data ... --model resnet18 --weights r18.safetensors --convert first
  resume:         the same command with --resume (after a crash, SIGINT or SIGTERM)
"""


def run(args: argparse.Namespace) -> int:
    """Train from the parsed flags; print the final results."""
    from coordconv_vision.imagenet.train import train

    log_to_stdout(logging.WARNING)
    results = train(config_from_args(ImageNetConfig, args))
    return report_results(results, "stopped at step {step}; rerun with --resume")


def register(subparsers: Any) -> None:
    """Add the ``imagenet`` subcommand."""
    add_config_command(
        subparsers,
        "imagenet",
        ImageNetConfig,
        run,
        help="ImageNet classification with ResNet-50 / CoordConv ResNet-50 (S5, table S2)",
        description=(
            "Train and evaluate a classifier on an ImageNet-layout folder (train/<class>/*, "
            "val/<class>/*) with the standard ResNet recipe; multi-GPU and multi-node through "
            "torchrun or accelerate launch."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
