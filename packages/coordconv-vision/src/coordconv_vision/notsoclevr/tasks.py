"""Losses and metrics of the three Not-so-Clevr tasks (paper S2-S4; docs/architecture.md).

- classification: softmax cross-entropy over the 4,096 pixels; accuracy = argmax is the centre.
- regression: MSE on the (scaled) coordinates; pixel error = mean Euclidean distance in pixels,
  accuracy = the rounded prediction is exactly the centre.
- rendering: pixelwise sigmoid cross-entropy; IOU of the thresholded (p > 0.5) image with the
  square, averaged over examples. With a where loss (``--where-loss joint|separate``, the
  official code's intermediate loss) the painter's where logits also get the classification loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from coordconv_vision.notsoclevr.data import centre_index, model_to_pixels

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
