"""``coordconv-vision imagenet``: train/evaluate ResNet-50 or CoordConv ResNet-50 (S5, table S2)."""

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

    # the stop notice (which signal, where the checkpoint is) on stdout: stderr holds nothing
    # but an error's one line
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stdout)
    results = train(config_from_args(ImageNetConfig, args))
    if is_stopped(results):
        print(f"stopped at step {results['step']}; rerun with --resume")
        return EXIT_STOPPED
    print(strict_json.dumps(results, indent=2, default=None))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``imagenet`` subcommand."""
    parser = subparsers.add_parser(
        "imagenet",
        help="ImageNet classification with ResNet-50 / CoordConv ResNet-50 (S5, table S2)",
        description=(
            "Train and evaluate a classifier on an ImageNet-layout folder (train/<class>/*, "
            "val/<class>/*) with the standard ResNet recipe; multi-GPU and multi-node through "
            "torchrun or accelerate launch."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_arguments(parser, ImageNetConfig)
    parser.set_defaults(func=run)
