"""ImageNet-layout data: ``ROOT/train/<class>/*`` and ``ROOT/val/<class>/*`` (S5).

The standard ResNet recipe's augmentation: training images get ``RandomResizedCrop(size)`` and a
horizontal flip, validation images are resized to ``size * 256 / 224`` and centre-cropped to
``size`` (256 / 224 for the usual 224). Both are normalised with the ImageNet mean and std.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset
from torchvision import datasets, transforms

from coordconv_train import UserError

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def train_transform(size: int) -> transforms.Compose:
    """RandomResizedCrop(size) + horizontal flip + normalise."""
    return transforms.Compose(
        [
            transforms.RandomResizedCrop(size),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize(MEAN, STD),
        ]
    )


def val_transform(size: int) -> transforms.Compose:
    """Resize(size * 256 / 224) + CenterCrop(size) + normalise."""
    return transforms.Compose(
        [
            transforms.Resize(round(size * 256 / 224)),
            transforms.CenterCrop(size),
            transforms.ToTensor(),
            transforms.Normalize(MEAN, STD),
        ]
    )


def image_folders(root: str | Path, size: int) -> tuple[datasets.ImageFolder, datasets.ImageFolder]:
    """The train and val ``ImageFolder``s under ``root``; they must list the same classes."""
    root = Path(root)
    for split in ("train", "val"):
        if not (root / split).is_dir():
            raise UserError(f"{root} is not an ImageNet-layout folder: {root / split} is missing")
    try:
        train = datasets.ImageFolder(str(root / "train"), transform=train_transform(size))
        val = datasets.ImageFolder(str(root / "val"), transform=val_transform(size))
    except (FileNotFoundError, RuntimeError) as exc:  # empty class folders, no images
        raise UserError(f"cannot read images under {root}: {exc}") from exc
    if train.classes != val.classes:
        raise UserError(
            f"{root}: train has {len(train.classes)} classes and val {len(val.classes)}; "
            "their class folders must be the same"
        )
    return train, val


class EpochSeeded(Dataset):
    """Wrap a dataset so the random augmentation of item ``i`` in epoch ``e`` depends only on
    ``(seed, e, i)``: a resumed run (and any number of loader workers) sees the same crops and
    flips as an uninterrupted one. The caller's RNG state is left untouched."""

    def __init__(self, dataset: Dataset, seed: int) -> None:
        self.dataset = dataset
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, index: int) -> Any:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed((self.seed * 1_000_003 + self.epoch) * 1_000_000_007 + index)
            return self.dataset[index]
