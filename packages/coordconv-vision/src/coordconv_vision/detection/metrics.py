"""IOU metrics of table S3 (S6) as pure functions of boxes (xyxy pixels).

- train IOU: IOU of each sampled positive anchor's *shifted* box with the ground truth it was
  matched to (:func:`paired_iou`), averaged over the samples.
- test IOU-average: each of the (at most 10) boxes kept by NMS against its best ground truth
  (:func:`best_match_iou`), averaged per image (:func:`iou_average`), then over images.
- test IOU-select: the best-scored box against its closest (highest-IOU) ground truth
  (:func:`iou_select`), averaged over images.

An image with no proposal scores 0 (it found nothing).
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
    """Mean over the proposals of their best-match IOU (0 if there are none)."""
    if boxes.shape[0] == 0:
        return 0.0
    return float(best_match_iou(boxes, gt).mean())


def iou_select(boxes: torch.Tensor, scores: torch.Tensor, gt: torch.Tensor) -> float:
    """IOU of the highest-scoring box with its closest ground truth (0 if there is no box)."""
    if boxes.shape[0] == 0:
        return 0.0
    best = int(scores.argmax())
    return float(best_match_iou(boxes[best : best + 1], gt)[0])


def iou_all_pairs(boxes: torch.Tensor, gt: torch.Tensor) -> float:
    """Mean IOU over every (proposal, ground truth) pair, ``P x G`` values (0 if either is empty).

    Not a table S3 metric as DESIGN.md reads it; reported beside it because the paper's low
    "Test IOU-average" (0.15-0.19) is about what this all-pairs mean gives (see the README).
    """
    if boxes.shape[0] == 0 or gt.shape[0] == 0:
        return 0.0
    return float(box_iou(boxes, gt).mean())
