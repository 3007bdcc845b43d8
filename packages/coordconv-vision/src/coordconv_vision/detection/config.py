"""The detection experiment's config (S6, table S3): every field is a ``coordconv-vision detect`` flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coordconv_core.training.tracking import LOG_WITH_HELP

DETECTOR_MODELS = ("conv", "coordconv")


@dataclass
class DetectionConfig:
    """Region-proposal model on scattered MNIST. The paper gives no optimiser; we use Adam."""

    data: Path | None = field(
        default=None,
        metadata={
            "help": "scattered-MNIST .npz from 'coordconv-data generate scattered-mnist' (required)"
        },
    )
    model: str = field(
        default="coordconv",
        metadata={
            "help": "conv, or coordconv (coordinates at the input, before the RPN hidden conv and "
            "before the box regressor, fig. S6)",
            "choices": list(DETECTOR_MODELS),
        },
    )
    out: Path = field(default=Path("runs/detect"), metadata={"help": "run directory"})
    epochs: int = field(default=20, metadata={"help": "training epochs"})
    batch_size: int = field(default=32, metadata={"help": "images per process per step"})
    lr: float = field(default=1e-3, metadata={"help": "Adam learning rate"})
    weight_decay: float = field(default=0.0, metadata={"help": "Adam weight decay"})
    hidden_channels: int = field(default=64, metadata={"help": "channels of the RPN hidden conv"})
    train_limit: int = field(
        default=0, metadata={"help": "use only the first N training images (0: all)"}
    )
    test_limit: int = field(
        default=0, metadata={"help": "use only the first N test images (0: all)"}
    )
    checkpoint_every: int = field(
        default=500, metadata={"help": "save a resumable checkpoint every N steps (and each epoch)"}
    )
    log_every: int = field(default=20, metadata={"help": "log training losses every N steps"})
    figure_images: int = field(
        default=8, metadata={"help": "test images drawn with their boxes in detections.png"}
    )
    amp: bool = field(
        default=False, metadata={"help": "mixed precision on CUDA (the model is tiny)"}
    )
    device: str = field(
        default="auto", metadata={"help": "auto, cpu or cuda", "choices": ["auto", "cpu", "cuda"]}
    )
    log_with: list[str] = field(default_factory=list, metadata={"help": LOG_WITH_HELP})
    seed: int = field(default=0, metadata={"help": "random seed"})
    resume: bool = field(default=False, metadata={"help": "continue the run in --out"})
    overwrite: bool = field(default=False, metadata={"help": "replace the run in --out"})


RESUMABLE_CHANGES = ("resume", "overwrite", "device", "log_every", "figure_images", "log_with")
