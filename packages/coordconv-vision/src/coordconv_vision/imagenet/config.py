"""The ImageNet experiment's config (S5, table S2): every field is a ``coordconv-vision imagenet`` flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coordconv_train.config import LEARNING_RATE
from coordconv_train.option import option
from coordconv_train.tracking import LOG_WITH_HELP
from coordconv_vision.imagenet.models import CONVERT_CHOICES

SCHEDULES = ("step", "cosine")


@dataclass
class ImageNetConfig:
    """Standard ResNet recipe (He et al. 2016; Goyal et al. 2017), the paper's 90 epochs."""

    data: Path | None = field(
        default=None,
        metadata={
            "help": "ImageNet-layout root holding train/<class>/* and val/<class>/* (required)"
        },
    )
    model: str = option(
        "resnet50",
        "resnet50, coordconv-resnet50 (S5: 1x1 CoordConv RGB+i,j,r -> 8 channels in "
        "front) or any torchvision classifier name",
    )
    convert: str = option(
        "none",
        "turn the model's first conv ('first') or every conv ('all') into a CoordConv "
        "with zero-initialised coordinate weights",
        choices=list(CONVERT_CHOICES),
    )
    weights: Path | None = field(
        default=None,
        metadata={"help": "start from these weights (.safetensors; loaded before --convert)"},
    )
    out: Path = field(default=Path("runs/imagenet"), metadata={"help": "run directory"})
    epochs: int = option(90, "training epochs (paper: 90)")
    batch_size: int = option(256, "images per process per step")
    base_lr: float = option(
        0.1, "learning rate per 256 images: lr = base_lr * global batch / 256", **LEARNING_RATE
    )
    momentum: float = option(0.9, "SGD momentum")
    weight_decay: float = option(1e-4, "SGD weight decay")
    schedule: str = option(
        "step",
        "learning-rate schedule: 'step' (x0.1 at epochs 30, 60, 80) or 'cosine'",
        choices=list(SCHEDULES),
    )
    warmup_epochs: float = option(
        0.0, "linear warm-up epochs (Goyal et al. use 5 for large global batches)"
    )
    image_size: int = option(224, "crop size (224; smaller for quick CPU runs)")
    workers: int = option(8, "data-loader worker processes per process")
    channels_last: bool = option(True, "channels_last memory format on CUDA")
    amp: bool = option(True, "mixed precision (bf16/fp16) on CUDA")
    max_steps: int = option(0, "stop after this many optimizer steps in all (0: no limit)")
    checkpoint_every: int = option(
        1000, "save a resumable checkpoint every N steps (and each epoch)"
    )
    log_every: int = option(50, "log the training loss every N steps")
    device: str = option("auto", "auto, cpu or cuda", choices=["auto", "cpu", "cuda"])
    log_with: list[str] = field(default_factory=list, metadata={"help": LOG_WITH_HELP})
    seed: int = option(0, "random seed")
    resume: bool = option(False, "continue the run in --out")
    overwrite: bool = option(False, "replace the run in --out")

    def learning_rate(self, global_batch: int) -> float:
        """The linear scaling rule: ``base_lr * global_batch / 256``."""
        return self.base_lr * global_batch / 256
