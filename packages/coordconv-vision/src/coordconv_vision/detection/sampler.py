"""The official box sampler of the S6 region-proposal model (train mode, fig. S6 left).

Liu et al., NeurIPS 2018 (arXiv:1807.03247), S6: "In box sampling (training mode), p_size and
n_size are 6." This is ``BoxSampler.call`` of uber-research/CoordConv
(``model_builder_faster_rcnn.py``), step for step, on the IOU matrix between the *moved* boxes
(anchors shifted by the current regressor output) and the ground truth:

- a box is *in bounds* when ``x1 >= 0``, ``y1 >= 0``, ``x2 <= W - 1`` and ``y2 <= H - 1`` (the
  official bounds are ``(0, 0, im_h - 1, im_w - 1)``);
- *closest*: for each ground truth, the box of highest IOU (the first one on ties);
- positive candidates are (box, ground truth) *pairs*: closest, or IOU > ``high`` (0.5) with an
  in-bounds box. ``min(#pairs, positives)`` pairs are drawn without replacement (so one box may
  be sampled twice, against two ground truths);
- negative candidates are boxes that, for every ground truth, have IOU < ``low`` (0.1), are in
  bounds and are not its closest box; if there are none, every box in no positive pair.
  ``negatives`` of them are drawn without replacement when there are *more* than
  ``negatives``; otherwise none (the official ``tf.random_uniform([0], ...)`` draws an empty
  sample: a quirk kept here; with 1,521 boxes it does not happen in practice).
"""

from __future__ import annotations

import torch


def boxes_in_bounds(boxes: torch.Tensor, image_size: tuple[int, int]) -> torch.Tensor:
    """``(B, 4)`` xyxy -> ``(B,)`` bool: inside ``[0, W - 1] x [0, H - 1]`` (official bounds)."""
    height, width = image_size
    return (
        (boxes[:, 0] >= 0)
        & (boxes[:, 1] >= 0)
        & (boxes[:, 2] <= width - 1)
        & (boxes[:, 3] <= height - 1)
    )


def official_box_sample(
    iou: torch.Tensor,
    boxes: torch.Tensor,
    image_size: tuple[int, int],
    *,
    high: float = 0.5,
    low: float = 0.1,
    positives: int = 6,
    negatives: int = 6,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sample training boxes of one image (see the module docstring).

    ``iou (B, G)`` between the moved ``boxes (B, 4)`` and the ``G >= 1`` ground truths.
    Returns ``(pos_box (P,), pos_gt (P,), neg_box (Q,))`` int64 indices, ``P <= positives``,
    ``Q in {0, negatives}``.
    """
    if iou.dim() != 2 or iou.shape[0] != boxes.shape[0] or iou.shape[1] == 0:
        raise ValueError(
            f"need iou (B, G >= 1) for boxes (B, 4); got {tuple(iou.shape)}, {tuple(boxes.shape)}"
        )
    device, n_gt = iou.device, iou.shape[1]
    inbound = boxes_in_bounds(boxes, image_size)[:, None]  # (B, 1)
    closest = torch.zeros_like(iou, dtype=torch.bool)  # (B, G)
    closest[iou.argmax(dim=0), torch.arange(n_gt, device=device)] = True
    candidates = closest | ((iou > high) & inbound)  # (B, G) positive pairs
    pairs = candidates.nonzero()  # (n, 2) row-major, as tf.where
    chosen = torch.randperm(len(pairs), generator=generator, device="cpu")[:positives]
    pos = pairs[chosen.to(device)]
    negative = ((iou < low) & inbound & ~closest).all(dim=1)  # (B,)
    if not negative.any():
        negative = ~candidates.any(dim=1)
    neg_candidates = negative.nonzero().squeeze(1)
    if len(neg_candidates) > negatives:
        order = torch.randperm(len(neg_candidates), generator=generator, device="cpu")
        neg = neg_candidates[order[:negatives].to(device)]
    else:
        neg = neg_candidates[:0]
    return pos[:, 0], pos[:, 1], neg
