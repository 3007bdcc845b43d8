"""Training images for the generative models: a coordconv-data shapes ``.npz`` or a folder.

S7.1/S7.2 train on the two-object shapes set (``coordconv-data generate shapes``); S7.3 on LSUN
bedroom at 64x64, which any folder of images stands in for (LSUN exported to JPEG/PNG, or an
ImageFolder-style tree: images are found recursively, resized on the short side and
centre-cropped to 64x64). Every dataset yields ``uint8`` tensors ``(3, 64, 64)``; the training
loops scale them to [-1, 1] (GAN, tanh output) or [0, 1] (VAE, sigmoid output).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.utils.data import Dataset, Subset, TensorDataset

from coordconv_train import UserError

if TYPE_CHECKING:
    from coordconv_data.shapes import ShapesData

SIZE = 64


class ImageFiles(Dataset):
    """Every image under ``root`` (recursive), as ``uint8`` ``(3, size, size)`` tensors."""

    def __init__(self, root: Path, size: int = SIZE) -> None:
        from torchvision.datasets.folder import IMG_EXTENSIONS
        from torchvision.transforms import v2

        self.files = sorted(
            p for p in Path(root).rglob("*") if p.suffix.lower() in IMG_EXTENSIONS and p.is_file()
        )
        if not self.files:
            raise UserError(f"no images ({', '.join(IMG_EXTENSIONS)}) found under {root}")
        self.transform = v2.Compose(
            [v2.PILToTensor(), v2.Resize(size, antialias=True), v2.CenterCrop(size)]
        )

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor:
        from torchvision.datasets.folder import pil_loader

        return self.transform(pil_loader(str(self.files[index])))  # (3, size, size) uint8


def load_shapes(path: Path) -> ShapesData:
    """A coordconv-data shapes file (images, kinds, drawn centres, sizes)."""
    from coordconv_data import DatasetError, shapes

    try:
        return shapes.load(path)
    except DatasetError as exc:
        raise UserError(str(exc)) from exc


def load_shapes_images(path: Path) -> np.ndarray:
    """The ``(N, 64, 64, 3)`` uint8 images of a coordconv-data shapes file."""
    return load_shapes(path).images


def resolve_arch(path: Path, arch: str) -> str:
    """``auto`` -> ``lsun`` for a folder of images, ``shapes`` for a file."""
    if arch != "auto":
        return arch
    return "lsun" if Path(path).is_dir() else "shapes"


def load_training_set(path: Path | None, n_train: int | None = None) -> Dataset:
    """Dataset of ``uint8 (3, 64, 64)`` images from a shapes ``.npz`` or a folder of images."""
    if path is None:
        raise UserError("--data is required (a coordconv-data shapes .npz or a folder of images)")
    path = Path(path)
    if path.is_dir():
        dataset: Dataset = ImageFiles(path)
    elif path.is_file():
        images = torch.from_numpy(load_shapes_images(path)).permute(0, 3, 1, 2)  # (N, 3, 64, 64)
        dataset = TensorDataset(images.contiguous())
    else:
        raise UserError(f"--data {path} does not exist")
    if n_train is not None:
        if n_train < 1:
            raise UserError(f"--n-train must be >= 1, got {n_train}")
        dataset = Subset(dataset, range(min(n_train, len(dataset))))
    return dataset


def first_tensor(
    item: torch.Tensor | tuple[torch.Tensor, ...] | list[torch.Tensor],
) -> torch.Tensor:
    """A DataLoader batch of a TensorDataset is a 1-tuple; of ImageFiles a tensor."""
    return item[0] if isinstance(item, tuple | list) else item
