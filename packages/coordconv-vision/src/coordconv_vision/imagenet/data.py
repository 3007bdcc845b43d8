"""ImageNet-layout data: ``ROOT/train/<class>/*`` and ``ROOT/val/<class>/*`` (S5).

The standard ResNet recipe's augmentation: training images get ``RandomResizedCrop(size)`` and a
horizontal flip, validation images are resized to ``size * 256 / 224`` and centre-cropped to
``size`` (256 / 224 for the usual 224). Both are normalised with the ImageNet mean and std.
"""

from __future__ import annotations

from pathlib import Path

from torchvision import datasets, transforms

from coordconv_core.training import UserError

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
