"""The detection experiment's config (S6, table S3): every field is a ``coordconv-vision detect`` flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coordconv_train.config import LEARNING_RATE
from coordconv_train.option import option
from coordconv_train.tracking import LOG_WITH_HELP

DETECTOR_MODELS = ("conv", "coordconv")
HEADS = ("official", "ours")
ANCHOR_LAYOUTS = ("paper", "official")
OPTIMIZER_NAMES = ("adam", "sgd")


@dataclass
class DetectionConfig:
    """Region-proposal model on scattered MNIST (S6).

    Deviations from the official code (labelled in the flags' help): Adam with batches of 32
    images by default (the official script feeds one image a step; the command behind table S3
    is not published, its parser's defaults are SGD lr 1e-3, momentum 0.9, 5 epochs:
    ``--optimizer sgd --batch-size 1 --epochs 5``).
    """

    data: Path | None = field(
        default=None,
        metadata={
            "help": "scattered-MNIST .npz from 'coordconv-data generate scattered-mnist' (required)"
        },
    )
    model: str = option(
        "coordconv",
        "conv, or coordconv (coordinates at the input, before the RPN hidden conv and "
        "before the box regressor, fig. S6)",
        choices=list(DETECTOR_MODELS),
    )
    head: str = option(
        "official",
        "official: the official code's head (3x3 conv 32 + a separate 3x3 conv 32 "
        "in the box branch, 2 logits per anchor, pairs sampled on the moved boxes at IOU "
        "0.5 / 0.1, |x| / x^2 box loss, TF he_normal init); ours: our earlier torchvision "
        "RPN head (one 3x3 conv 64, anchors matched at 0.7 / 0.3, smooth-L1 box loss)",
        choices=list(HEADS),
    )
    anchor_layout: str = option(
        "paper",
        "paper: S6's nine anchors at every cell (what the paper describes); "
        "official: the table the official training script really feeds (its anchor array "
        "is laid out coordinate-major but read anchor-major, so most anchors sit on the "
        "diagonal or at fixed places; official head only)",
        choices=list(ANCHOR_LAYOUTS),
    )
    out: Path = field(default=Path("runs/detect"), metadata={"help": "run directory"})
    epochs: int = option(20, "training epochs")
    batch_size: int = option(
        32, "images per process per step (deviation: the official script uses 1)"
    )
    optimizer: str = option(
        "adam",
        "adam (ours) or sgd (with --momentum: the official parser's default; the command "
        "behind table S3 is not published)",
        choices=list(OPTIMIZER_NAMES),
    )
    lr: float = option(
        1e-3,
        "learning rate (1e-3 is also the official parser's default)",
        **LEARNING_RATE,
    )
    momentum: float = option(
        0.9, "SGD momentum (--optimizer sgd; official default 0.9)", min=0.0, max=1.0
    )
    weight_decay: float = option(0.0, "weight decay (L2; the official --l2 defaults to 0)")
    hidden_channels: int | None = option(
        None, "channels of the RPN hidden conv(s) (default: 32 official, 64 ours)", min=1, max=4096
    )
    train_limit: int = option(0, "use only the first N training images (0: all)")
    test_limit: int = option(0, "use only the first N test images (0: all)")
    checkpoint_every: int = option(
        500, "save a resumable checkpoint every N steps (and each epoch)"
    )
    log_every: int = option(20, "log training losses every N steps")
    figure_images: int = option(8, "test images drawn with their boxes in detections.png")
    amp: bool = option(False, "mixed precision on CUDA (the model is tiny)")
    device: str = option("auto", "auto, cpu or cuda", choices=["auto", "cpu", "cuda"])
    log_with: list[str] = field(default_factory=list, metadata={"help": LOG_WITH_HELP})
    seed: int = option(0, "random seed")
    resume: bool = option(False, "continue the run in --out")
    overwrite: bool = option(False, "replace the run in --out")
