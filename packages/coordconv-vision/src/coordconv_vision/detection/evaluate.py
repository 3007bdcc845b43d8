"""Table S3's six numbers for a detector on a split (S6).

Losses and train IOU come from train-mode sampling (6 positive + 6 negative anchors per image)
on the evaluated images, with a fixed seed so repeated evaluations agree; the test IOUs come from
the at most 10 boxes NMS keeps per image.
"""

from __future__ import annotations

import torch

from coordconv_vision.detection.metrics import iou_all_pairs, iou_average, iou_select
from coordconv_vision.detection.model import ProposalDetector


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

    Returns the metrics and, per image, the NMS boxes and their scores (on the CPU).
    """
    was_training = model.training
    model.eval()
    devices = [images.device] if images.device.type == "cuda" else []
    sums = dict.fromkeys(("box_loss", "score_loss", "train_iou", "avg", "select", "pairs"), 0.0)
    positives, all_boxes, all_scores = 0, [], []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for start in range(0, len(images), batch_size):
            x, gt = images[start : start + batch_size], boxes[start : start + batch_size]
            out = model(x, [{"boxes": g} for g in gt])
            n = len(x)
            sums["box_loss"] += float(out["box_loss"]) * n
            sums["score_loss"] += float(out["score_loss"]) * n
            sums["train_iou"] += float(out["positive_iou"].sum())
            positives += out["positive_iou"].numel()
            for b, s, g in zip(out["boxes"], out["scores"], gt, strict=True):
                sums["avg"] += iou_average(b, g)
                sums["select"] += iou_select(b, s, g)
                sums["pairs"] += iou_all_pairs(b, g)
                all_boxes.append(b.cpu())
                all_scores.append(s.cpu())
    model.train(was_training)
    n = len(images)
    metrics = {
        "box_loss": sums["box_loss"] / n,
        "score_loss": sums["score_loss"] / n,
        "total_loss": (sums["box_loss"] + sums["score_loss"]) / n,
        "train_iou": sums["train_iou"] / max(positives, 1),
        "test_iou_average": sums["avg"] / n,
        "test_iou_select": sums["select"] / n,
        "test_iou_all_pairs": sums["pairs"] / n,
    }
    return metrics, all_boxes, all_scores
