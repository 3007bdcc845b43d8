"""IOU metrics of table S3 (S6) as the official code computes them, on boxes in xyxy pixels.

uber-research/CoordConv ``model_builder_faster_rcnn.py`` tracks, per test image (batch of one),
``pos_box_iou_train``, ``mean_nms_iou`` and ``mean_argmax_nms_iou``, and the training script
averages each over the test images. Table S3's rows are these:

- train IOU: the IOU of each sampled positive (moved) box with the ground truth it was paired
  with (:func:`paired_iou`), averaged over the image's positives;
- test IOU-average: ``tf.reduce_mean(nms_iou_matrix)``, the mean of the IOU matrix between the
  (at most 10) NMS boxes and *all* ground-truth boxes (:func:`iou_average`);
- test IOU-select: ``tf.reduce_mean(tf.reduce_max(nms_iou_matrix, axis=-1))``, each NMS box
  against its best ground truth, averaged over the boxes (:func:`iou_select`).

The paper's caption describes IOU-select as "average IOU between the best scored box and its
closest ground truth"; that reading is kept as :func:`iou_best_scored` (not what the code
tracks). An image with no NMS box scores 0 here (the official ``reduce_mean`` would be NaN).
"""

from __future__ import annotations

import torch
from torchvision.ops import box_iou


def paired_iou(boxes: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """IOU of ``boxes[i]`` with ``targets[i]``: ``(N, 4), (N, 4) -> (N,)``."""
    if boxes.shape != targets.shape or boxes.shape[-1] != 4:
        raise ValueError(
            f"need two (N, 4) tensors, got {tuple(boxes.shape)} and {tuple(targets.shape)}"
        )
    lt = torch.maximum(boxes[:, :2], targets[:, :2])
    rb = torch.minimum(boxes[:, 2:], targets[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=1)
    area_a = (boxes[:, 2:] - boxes[:, :2]).clamp(min=0).prod(dim=1)
    area_b = (targets[:, 2:] - targets[:, :2]).clamp(min=0).prod(dim=1)
    union = area_a + area_b - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(union))


def best_match_iou(boxes: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """For each box its highest IOU with any ground-truth box: ``(P, 4), (G, 4) -> (P,)``."""
    if boxes.numel() == 0 or gt.numel() == 0:
        return boxes.new_zeros(boxes.shape[0])
    return box_iou(boxes, gt).max(dim=1).values  # (P, G) -> (P,)


def iou_average(boxes: torch.Tensor, gt: torch.Tensor) -> float:
    """Table S3's test IOU-average: the mean of the ``(P, G)`` IOU matrix (0 if it is empty)."""
    if boxes.shape[0] == 0 or gt.shape[0] == 0:
        return 0.0
    return float(box_iou(boxes, gt).mean())


def iou_select(boxes: torch.Tensor, gt: torch.Tensor) -> float:
    """Table S3's test IOU-select: the mean over the boxes of their best-match IOU (0 if none)."""
    if boxes.shape[0] == 0:
        return 0.0
    return float(best_match_iou(boxes, gt).mean())


def iou_best_scored(boxes: torch.Tensor, scores: torch.Tensor, gt: torch.Tensor) -> float:
    """The highest-scoring box against its closest ground truth (the caption's IOU-select)."""
    if boxes.shape[0] == 0:
        return 0.0
    best = int(scores.argmax())
    return float(best_match_iou(boxes[best : best + 1], gt)[0])
