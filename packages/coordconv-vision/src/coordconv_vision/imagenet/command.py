"""``coordconv-vision imagenet``: train/evaluate ResNet-50 or CoordConv ResNet-50 (S5, table S2)."""

from __future__ import annotations

from typing import Any

from coordconv_vision.imagenet.config import ImageNetConfig
from coordconv_vision.trainer_command import add_trainer_command

TRAINER = "coordconv_vision.imagenet.train:train"
HELP = "ImageNet classification with ResNet-50 / CoordConv ResNet-50 (S5, table S2)"
DESCRIPTION = (
    "Train and evaluate a classifier on an ImageNet-layout folder (train/<class>/*, "
    "val/<class>/*) with the standard ResNet recipe; multi-GPU and multi-node through "
    "torchrun or accelerate launch."
)
EPILOG = """examples:
  one GPU:        coordconv-vision imagenet --data /data/imagenet --model coordconv-resnet50 --out runs/cc50-1
  8 GPUs, 1 node: torchrun --nproc-per-node 8 -m coordconv_vision.cli imagenet --data /data/imagenet \\
                    --model coordconv-resnet50 --batch-size 32 --out runs/cc50-1
  convert:        coordconv-vision imagenet --data ... --model resnet18 --weights r18.safetensors --convert first
  resume:         the same command with --resume (after a crash, SIGINT or SIGTERM)
"""


def register(subparsers: Any) -> None:
    """Add the ``imagenet`` subcommand."""
    add_trainer_command(subparsers, "imagenet", ImageNetConfig, TRAINER, HELP, DESCRIPTION, EPILOG)
