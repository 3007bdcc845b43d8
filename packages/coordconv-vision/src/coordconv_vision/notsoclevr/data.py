"""Not-so-Clevr's three supervised tasks: their tensors, losses and metrics (paper S1-S4).

The whole dataset is 3,136 examples, so it lives on the training device as tensors and batches
are index tensors. Per task:

- classification: input (x, y) (N, 2) -> target pixel index ``y * 64 + x`` (N,) int64;
  softmax cross-entropy over the 4,096 pixels; accuracy = argmax is the centre.
- regression: input one-hot image (N, 1, 64, 64) -> target (x, y) (N, 2) float32; MSE on the
  (scaled) coordinates; pixel error = mean Euclidean distance in pixels, accuracy = the rounded
  prediction is exactly the centre.
- rendering: input (x, y) (N, 2) -> target square image (N, 64, 64) float32; pixelwise sigmoid
  cross-entropy; IOU of the thresholded (p > 0.5) image with the square, averaged over examples.
  With a where loss (``--where-loss joint|separate``, the official code's intermediate loss) the
  painter's where logits also get the classification loss.

Coordinates are scaled to [-1, 1] by default (pixel 0 -> -1, 63 -> 1, the AddCoords convention);
``raw_coords=True`` keeps the integer pixels 4..59 as the official code fed them. The validation
set is carved out of the training split with a fixed seed, never out of the test split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from coordconv_data import not_so_clevr

TASKS = ("classification", "regression", "rendering")
CANVAS = not_so_clevr.CANVAS
# task -> the metric names (without train_/test_ prefix) that results.json carries
METRICS: dict[str, tuple[str, ...]] = {
    "classification": ("accuracy",),
    "regression": ("accuracy", "pixel_error"),
    "rendering": ("iou",),
}
# task -> (headline metric, True if higher is better), used to pick sweep winners
HEADLINE: dict[str, tuple[str, bool]] = {
    "classification": ("accuracy", True),
    "regression": ("pixel_error", False),
    "rendering": ("iou", True),
}


@dataclass(frozen=True)
class TaskData:
    """All examples of one task plus index tensors of the train/val/test parts."""

    inputs: torch.Tensor
    targets: torch.Tensor
    coords: torch.Tensor  # (N, 2) int64 pixel centres (x, y), for metrics and figures
    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor

    def to(self, device: torch.device | str) -> TaskData:
        return TaskData(*(t.to(device) for t in (self.inputs, self.targets, self.coords)),
                        *(t.to(device) for t in (self.train, self.val, self.test)))  # fmt: skip


def centre_index(coords: torch.Tensor) -> torch.Tensor:
    """(N, 2) integer pixel centres (x, y) -> (N,) flat pixel index ``y * 64 + x``."""
    return coords[:, 1] * CANVAS + coords[:, 0]


def coords_to_model(coords: np.ndarray, raw: bool) -> np.ndarray:
    """(N, 2) integer pixels -> float32 model coordinates ([-1, 1], or raw pixels)."""
    return coords.astype(np.float32) if raw else not_so_clevr.normalise_coords(coords)


def model_to_pixels(values: torch.Tensor, raw: bool) -> torch.Tensor:
    """Inverse of :func:`coords_to_model` for predictions (float pixels)."""
    return values if raw else (values + 1.0) * ((CANVAS - 1) / 2.0)


def carve_validation(
    train: np.ndarray, fraction: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``train`` indices into (train, val) with ``fraction`` of them as validation."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"validation fraction must be in [0, 1), got {fraction}")
    n_val = round(fraction * len(train))
    order = np.random.default_rng(seed).permutation(len(train))
    return np.sort(train[order[n_val:]]), np.sort(train[order[:n_val]])


def load_task_data(
    task: str,
    split: str,
    *,
    raw_coords: bool = False,
    train_fraction: float = 0.8,
    val_fraction: float = 0.0,
    split_seed: int = 0,
) -> TaskData:
    """Build the tensors of ``task`` on ``split`` (CPU; move with :meth:`TaskData.to`)."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    data = not_so_clevr.generate()
    train, test = not_so_clevr.split_indices(split, seed=split_seed, train_fraction=train_fraction)
    train, val = carve_validation(train, val_fraction, split_seed)
    coords = torch.from_numpy(data.coords)
    model_coords = torch.from_numpy(coords_to_model(data.coords, raw_coords))
    if task == "classification":
        inputs, targets = model_coords, centre_index(coords)
    elif task == "rendering":
        inputs, targets = model_coords, torch.from_numpy(data.squares).float()
    else:
        inputs, targets = torch.from_numpy(data.onehots).float()[:, None], model_coords
    return TaskData(inputs, targets, coords, *(torch.from_numpy(i) for i in (train, val, test)))


def loss_fn(task: str, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean loss of a batch. ``outputs``: (N, 64, 64) logits or (N, 2) coordinates."""
    outputs = outputs.float()
    if task == "classification":
        return F.cross_entropy(outputs.flatten(1), targets)  # (N, 4096) vs (N,)
    if task == "rendering":
        return F.binary_cross_entropy_with_logits(outputs, targets)
    return F.mse_loss(outputs, targets)


def where_loss_fn(where_logits: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
    """Softmax cross-entropy of (N, 64, 64) where logits against the centre pixels (N, 2) (x, y)."""
    return F.cross_entropy(where_logits.float().flatten(1), centre_index(coords))


def iou(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per-example IOU of ``logits > 0`` (sigmoid > 0.5) with binary ``targets``: (N, H, W) -> (N,)."""
    painted = logits > 0
    truth = targets > 0.5
    inter = (painted & truth).flatten(1).sum(1).float()
    union = (painted | truth).flatten(1).sum(1).float()
    return inter / union.clamp_min(1.0)


def metric_sums(
    task: str,
    outputs: torch.Tensor,
    targets: torch.Tensor,
    coords: torch.Tensor,
    *,
    raw_coords: bool = False,
) -> dict[str, float]:
    """Sums over the batch of every metric of ``task`` (divide by the count for means)."""
    outputs = outputs.float()
    if task == "classification":
        return {"accuracy": (outputs.flatten(1).argmax(1) == targets).sum().item()}
    if task == "rendering":
        return {"iou": iou(outputs, targets).sum().item()}
    pixels = model_to_pixels(outputs, raw_coords)  # (N, 2) float pixels
    exact = (pixels.round() == coords.to(pixels.dtype)).all(dim=1)
    error = (pixels - coords.to(pixels.dtype)).norm(dim=1)
    return {"accuracy": exact.sum().item(), "pixel_error": error.sum().item()}
