"""Table S3's numbers for a detector on a split, averaged over images as the official code does.

The official training script evaluates one image at a time and averages each tracked value over
the test images (``StatsBuddy``, weight 1 per image): box loss, score loss, total loss, train
IOU (the image's sampled positives, train-mode sampling on the test image), test IOU-average and
IOU-select (:mod:`.metrics`). Sampling uses a fixed seed so repeated evaluations agree.
"""

from __future__ import annotations

import torch

from coordconv_vision.detection.metrics import iou_average, iou_best_scored, iou_select
from coordconv_vision.detection.model import ProposalDetector

METRIC_KEYS = (
    "box_loss",
    "score_loss",
    "total_loss",
    "train_iou",
    "test_iou_average",
    "test_iou_select",
    "test_iou_best_scored",
)


@torch.no_grad()
def evaluate_detector(
    model: ProposalDetector,
    images: torch.Tensor,
    boxes: torch.Tensor,
    *,
    batch_size: int = 100,
    seed: int = 0,
) -> tuple[dict[str, float], list[torch.Tensor], list[torch.Tensor]]:
    """``images (N, 1, 64, 64)`` float in [0, 1], ``boxes (N, G, 4)`` on the model's device.

    Returns the metrics (:data:`METRIC_KEYS`) and, per image, the NMS boxes and their scores
    (on the CPU).
    """
    was_training = model.training
    model.eval()
    devices = [images.device] if images.device.type == "cuda" else []
    sums = dict.fromkeys(METRIC_KEYS, 0.0)
    all_boxes, all_scores = [], []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for start in range(0, len(images), batch_size):
            x, gt = images[start : start + batch_size], boxes[start : start + batch_size]
            out = model(x, [{"boxes": g} for g in gt])
            n = len(x)
            sums["box_loss"] += float(out["box_loss"]) * n  # the batch's mean over images
            sums["score_loss"] += float(out["score_loss"]) * n
            sums["train_iou"] += float(out["train_iou"].sum())
            for b, s, g in zip(out["boxes"], out["scores"], gt, strict=True):
                sums["test_iou_average"] += iou_average(b, g)
                sums["test_iou_select"] += iou_select(b, g)
                sums["test_iou_best_scored"] += iou_best_scored(b, s, g)
                all_boxes.append(b.cpu())
                all_scores.append(s.cpu())
    model.train(was_training)
    sums["total_loss"] = sums["box_loss"] + sums["score_loss"]
    metrics = {key: sums[key] / len(images) for key in METRIC_KEYS}
    return metrics, all_boxes, all_scores
