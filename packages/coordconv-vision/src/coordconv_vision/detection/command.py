"""``coordconv-vision detect``: the scattered-MNIST region-proposal model (S6, table S3)."""

from __future__ import annotations

from typing import Any

from coordconv_vision.detection.config import DetectionConfig
from coordconv_vision.trainer_command import add_trainer_command

TRAINER = "coordconv_vision.detection.train:train_detector"
HELP = "region proposals on scattered MNIST, conv vs CoordConv (S6, table S3)"
DESCRIPTION = (
    "Train the Faster R-CNN-style region-proposal model of S6 (no classification head) on "
    "a scattered-MNIST .npz and report table S3's metrics on its test set."
)
EPILOG = """examples:
  coordconv-data generate scattered-mnist --out data
  coordconv-vision detect --data data/scattered_mnist.npz --model conv --out runs/det-conv
  coordconv-vision detect --data data/scattered_mnist.npz --model coordconv --out runs/det-cc
  coordconv-vision compare runs/det-cc --baseline runs/det-conv
"""


def register(subparsers: Any) -> None:
    """Add the ``detect`` subcommand."""
    add_trainer_command(subparsers, "detect", DetectionConfig, TRAINER, HELP, DESCRIPTION, EPILOG)
