"""``torch.utils.data.Dataset`` wrappers over the generated arrays (imports torch).

This is the only module of coordconv-data that imports torch; the rest of the package (generation,
files, CLI) works without it. Samples come out in the layouts the models of docs/architecture.md and
5.4 take: channels-first float32 images in [0, 1], detection targets in torchvision's
``{"boxes": (K, 4) float32 xyxy, "labels": (K,) int64}`` form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.utils.data import Dataset

from coordconv_data import not_so_clevr

if TYPE_CHECKING:
    from coordconv_data.not_so_clevr import NotSoClevr
    from coordconv_data.scattered_mnist import DetectionSplit
    from coordconv_data.shapes import ShapesData

__all__ = ["DetectionDataset", "NotSoClevrDataset", "ShapesDataset"]


class ShapesDataset(Dataset):
    """Two-object shapes images: ``dataset[i]`` -> float32 (3, 64, 64) in [0, 1].

    ``images`` are converted once to a (N, 3, 64, 64) uint8 tensor; scaling to float happens per
    item so memory stays at one byte per pixel.
    """

    def __init__(self, data: ShapesData) -> None:
        # (N, 64, 64, 3) -> (N, 3, 64, 64)
        self.images = torch.from_numpy(np.ascontiguousarray(data.images.transpose(0, 3, 1, 2)))

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.images[index].float().div_(255.0)


class DetectionDataset(Dataset):
    """Scattered-MNIST canvases: ``dataset[i]`` -> (image, target).

    image: float32 (1, 64, 64) in [0, 1]; target: ``{"boxes": (5, 4) float32 xyxy pixels,
    "labels": (5,) int64 digit classes}`` (torchvision detection convention).
    """

    def __init__(self, split: DetectionSplit) -> None:
        self.images = torch.from_numpy(np.ascontiguousarray(split.images))  # (N, 64, 64) uint8
        self.boxes = torch.from_numpy(np.ascontiguousarray(split.boxes, dtype=np.float32))
        self.labels = torch.from_numpy(np.ascontiguousarray(split.labels, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        image = self.images[index].float().div_(255.0).unsqueeze(0)  # (64, 64) -> (1, 64, 64)
        return image, {"boxes": self.boxes[index].clone(), "labels": self.labels[index].clone()}


class NotSoClevrDataset(Dataset):
    """Not-so-Clevr examples for the three supervised tasks (S2-S4), optionally one split part.

    ``dataset[i]`` -> dict with ``coords`` float32 (2,) (x, y) scaled to [-1, 1] (or the raw
    4..59 values as float32 with ``normalise=False``), ``pixel`` int64 class index ``y * 64 + x``
    (coordinate classification target), ``onehot`` float32 (1, 64, 64) and ``square`` float32
    (1, 64, 64). ``indices`` picks examples, e.g. from :func:`not_so_clevr.split_indices`.
    """

    def __init__(
        self,
        data: NotSoClevr,
        indices: np.ndarray | None = None,
        *,
        normalise: bool = True,
    ) -> None:
        idx = np.arange(len(data)) if indices is None else np.asarray(indices, dtype=np.int64)
        coords = data.coords[idx]  # (M, 2) int64 (x, y)
        scaled = not_so_clevr.normalise_coords(coords) if normalise else coords.astype(np.float32)
        self.coords = torch.from_numpy(scaled)
        self.pixel = torch.from_numpy(coords[:, 1] * not_so_clevr.CANVAS + coords[:, 0])
        self.onehots = torch.from_numpy(data.onehots[idx])  # (M, 64, 64) uint8
        self.squares = torch.from_numpy(data.squares[idx])

    def __len__(self) -> int:
        return len(self.coords)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {
            "coords": self.coords[index],
            "pixel": self.pixel[index],
            "onehot": self.onehots[index].float().unsqueeze(0),  # (1, 64, 64)
            "square": self.squares[index].float().unsqueeze(0),
        }
