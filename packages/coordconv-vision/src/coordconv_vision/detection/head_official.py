"""The region-proposal head of S6 as the official code builds it (``--head official``, default).

Liu et al., NeurIPS 2018 (arXiv:1807.03247), S6 and fig. S6; uber-research/CoordConv
``model_builder_faster_rcnn.py`` (``RegionProposalSampler``) with the settings of
``train_faster_rcnn.py`` (``rpn_hidden_dim=32``, ``hi_thresh=0.5``, ``lo_thresh=0.1``,
``sample_size=12``, ``nms_thresh=0.8``, ``max_proposals=10``, ``--clip`` off):

- ``another_conv``: 3x3 conv, 32 channels, ReLU (CoordConv: coordinates added before it);
- ``box_mover``: its own 3x3 conv, 32 channels, ReLU, then a 1x1 conv to 4 deltas per anchor,
  kernel and bias zero-initialised (CoordConv: coordinates added before the 1x1), so the
  untrained boxes are the anchors;
- ``box_scorer``: a 1x1 conv to 2 logits per anchor (object, background), softmax;
- every other weight TF's ``he_normal`` (:func:`tf_he_normal_`), biases zero;
- boxes ``(i, j, h, w)`` move as ``i + t_i h``, ``h exp(t_h)`` (torchvision's ``BoxCoder`` with
  weights 1 computes the same in xyxy);
- train mode: the IOUs between the *moved* boxes and the ground truth feed
  :func:`.sampler.official_box_sample` (6 positive pairs, 6 negatives). Box loss: the official
  ``smooth_l1`` (``|x|`` where ``|x| > 1``, else ``x**2``, summed over the 4 deltas) between the
  predicted deltas and the deltas from the anchor to the matched ground truth, averaged over the
  positives; score loss: softmax cross-entropy averaged over the sampled boxes. Both are per
  image (the official batch is 1 image) and averaged over the batch here;
- test mode: NMS at IOU 0.8 over every moved box, scored by the object probability, keeping at
  most 10. Boxes are not clipped to the image (the official ``--clip`` is off).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.detection._utils import BoxCoder
from torchvision.ops import box_iou, nms

from coordconv_vision.detection.sampler import official_box_sample

ConvLayer = Callable[..., nn.Conv2d]
TRUNCATED_NORMAL_STD = 0.87962566103423978  # std of a unit normal truncated at +-2 (TF's factor)


def tf_he_normal_(weight: torch.Tensor) -> torch.Tensor:
    """TF/Keras ``he_normal`` in place: truncated normal (at 2 std) of variance 2 / fan_in."""
    fan_in = weight[0].numel()  # in_channels (with coordinate channels) * kernel area
    std = math.sqrt(2.0 / fan_in) / TRUNCATED_NORMAL_STD
    return nn.init.trunc_normal_(weight, 0.0, std, -2 * std, 2 * std)


def tf_init_(module: nn.Module) -> None:
    """Every conv of ``module``: ``he_normal`` kernel and zero bias (Keras ``Conv2D`` defaults)."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d):
            tf_he_normal_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def official_smooth_l1(x: torch.Tensor) -> torch.Tensor:
    """``(P, 4) -> (P,)``: per value ``|x|`` if ``|x| > 1`` else ``x**2``, summed over the 4."""
    absx = x.abs()
    return torch.where(absx > 1, absx, x * x).sum(dim=1)


class OfficialHead(nn.Module):
    """``(N, C, H, W)`` features -> logits ``(N, 2A, H, W)`` and deltas ``(N, 4A, H, W)``."""

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        num_anchors: int,
        conv_layer: ConvLayer = nn.Conv2d,
    ) -> None:
        super().__init__()
        self.hidden = conv_layer(in_channels, hidden_channels, 3, padding=1)  # another_conv
        self.mover_hidden = nn.Conv2d(hidden_channels, hidden_channels, 3, padding=1)
        self.mover = conv_layer(hidden_channels, 4 * num_anchors, 1)  # box_mover's last 1x1
        self.scorer = nn.Conv2d(hidden_channels, 2 * num_anchors, 1)  # box_scorer
        tf_init_(self)
        nn.init.zeros_(self.mover.weight)
        nn.init.zeros_(self.mover.bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = F.relu(self.hidden(x))
        return self.scorer(hidden), self.mover(F.relu(self.mover_hidden(hidden)))


class OfficialProposals(nn.Module):
    """Anchors + :class:`OfficialHead` + sampling, losses and NMS (see the module docstring)."""

    def __init__(
        self,
        head: OfficialHead,
        anchors: torch.Tensor,
        *,
        high: float = 0.5,
        low: float = 0.1,
        positives: int = 6,
        negatives: int = 6,
        nms_iou: float = 0.8,
        proposals: int = 10,
    ) -> None:
        super().__init__()
        self.head = head
        self.register_buffer("anchors", anchors.float(), persistent=False)  # (H*W*A, 4) xyxy
        self.box_coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
        self.high, self.low = high, low
        self.positives, self.negatives = positives, negatives
        self.nms_iou, self.proposals = nms_iou, proposals

    def forward(
        self,
        features: torch.Tensor,
        image_size: tuple[int, int],
        targets: list[dict[str, torch.Tensor]] | None = None,
        propose: bool = True,
    ) -> dict[str, Any]:
        """See :meth:`coordconv_vision.detection.model.ProposalDetector.forward`."""
        logits, deltas = self.head(features)
        n, _, h, w = deltas.shape
        a = deltas.shape[1] // 4
        if h * w * a != len(self.anchors):
            raise ValueError(f"a {h}x{w} feature map does not fit {len(self.anchors)} anchors")
        # channel a * K + k of cell (r, c) -> row (r * W + c) * A + a: (N, H*W*A, K)
        deltas = deltas.view(n, a, 4, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, 4).float()
        logits = logits.view(n, a, 2, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, 2).float()
        anchors = self.anchors
        boxes = self.box_coder.decode_single(
            deltas.detach().reshape(-1, 4), anchors.repeat(n, 1)
        ).view(n, -1, 4)  # the moved boxes, (N, H*W*A, 4) xyxy
        out: dict[str, Any] = {}
        if propose:
            probs = logits.detach().softmax(dim=-1)[..., 0]  # (N, H*W*A) object probability
            keep = [
                nms(b, p, self.nms_iou)[: self.proposals] for b, p in zip(boxes, probs, strict=True)
            ]
            out["boxes"] = [b[k] for b, k in zip(boxes, keep, strict=True)]
            out["scores"] = [p[k] for p, k in zip(probs, keep, strict=True)]
        if targets is not None:
            if len(targets) != n:
                raise ValueError(f"{len(targets)} targets for {n} images")
            box_losses, score_losses, ious = [], [], []
            for k, target in enumerate(targets):
                gt = target["boxes"].float()
                iou = box_iou(boxes[k], gt)  # (H*W*A, G)
                pos, pos_gt, neg = official_box_sample(
                    iou,
                    boxes[k],
                    image_size,
                    high=self.high,
                    low=self.low,
                    positives=self.positives,
                    negatives=self.negatives,
                )
                wanted = self.box_coder.encode_single(gt[pos_gt], anchors[pos])  # (P, 4)
                box_losses.append(official_smooth_l1(deltas[k, pos] - wanted).mean())
                sampled = torch.cat([pos, neg])
                labels = torch.cat([pos.new_zeros(len(pos)), neg.new_ones(len(neg))])  # 0: object
                score_losses.append(F.cross_entropy(logits[k, sampled], labels))
                ious.append(iou[pos, pos_gt])
            out["box_loss"] = torch.stack(box_losses).mean()
            out["score_loss"] = torch.stack(score_losses).mean()
            out["positive_iou"] = torch.cat(ious)
            out["train_iou"] = torch.stack([i.mean() for i in ious])  # (N,) per image
        return out
