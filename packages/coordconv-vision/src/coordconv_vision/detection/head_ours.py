"""Our earlier region-proposal head on torchvision's RPN machinery (``--head ours``).

Liu et al., NeurIPS 2018 (arXiv:1807.03247), S6. Kept one flag away from the official head
(:mod:`.head_official`) for comparison; it differs from the official code in: one shared 3x3
hidden conv of 64 channels feeding both outputs, one objectness logit per anchor (sigmoid), IOU
matching of the fixed *anchors* at 0.7 / 0.3 (torchvision ``Matcher``, low-quality matches
allowed) with ``BalancedPositiveNegativeSampler`` (6 + 6), box loss torchvision's smooth L1
(beta 1/9) summed and divided by the number of sampled anchors, proposals clipped to the image
and tiny boxes removed before NMS, and PyTorch's default init for the hidden conv
(N(0, 0.01), as torchvision's ``RPNHead``). The CoordConv places are those of fig. S6: the
hidden conv and the box regressor's 1x1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.rpn import RegionProposalNetwork, concat_box_prediction_layers

from coordconv_vision.detection.anchors import GridAnchorGenerator
from coordconv_vision.detection.metrics import paired_iou

ConvLayer = Callable[..., nn.Conv2d]


class ProposalHead(nn.Module):
    """RPN head with torchvision ``RPNHead``'s interface and a pluggable conv layer."""

    def __init__(
        self, in_channels: int, hidden_channels: int, num_anchors: int, conv_layer: ConvLayer
    ) -> None:
        super().__init__()
        self.conv = conv_layer(in_channels, hidden_channels, 3, padding=1)
        self.cls_logits = nn.Conv2d(hidden_channels, num_anchors, 1)
        self.bbox_pred = conv_layer(hidden_channels, 4 * num_anchors, 1)
        for layer in (self.conv, self.cls_logits):  # as torchvision's RPNHead
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.zeros_(layer.bias)
        nn.init.zeros_(self.bbox_pred.weight)  # official code: zero-initialised regressor
        nn.init.zeros_(self.bbox_pred.bias)

    def forward(
        self, features: list[torch.Tensor]
    ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per level: objectness ``(N, A, H, W)`` and deltas ``(N, 4A, H, W)``."""
        logits, deltas = [], []
        for x in features:
            hidden = F.relu(self.conv(x))
            logits.append(self.cls_logits(hidden))
            deltas.append(self.bbox_pred(hidden))
        return logits, deltas


class ProposalNetwork(RegionProposalNetwork):
    """torchvision's RPN, returning losses whenever targets are given (also in eval mode, for
    table S3's test losses) and the IOUs of the sampled positives (train IOU)."""

    def forward(  # type: ignore[override]
        self,
        features: torch.Tensor,
        image_size: tuple[int, int],
        targets: list[dict[str, torch.Tensor]] | None = None,
        propose: bool = True,
    ) -> dict[str, Any]:
        """See :meth:`coordconv_vision.detection.model.ProposalDetector.forward`."""
        n = features.shape[0]
        # the anchor generator reads only the images' size, dtype and device: no pixels needed
        images = ImageList(features.new_zeros(()).expand(n, 1, *image_size), [image_size] * n)
        logits, deltas = self.head([features])
        anchors = self.anchor_generator(images, [features.detach().float()])
        per_level = [o[0].numel() for o in logits]  # A * H * W
        objectness, box_deltas = concat_box_prediction_layers(
            logits, deltas
        )  # (N*HWA, 1), (N*HWA, 4)
        objectness, box_deltas = objectness.float(), box_deltas.float()
        proposals = self.box_coder.decode(box_deltas.detach(), anchors).view(n, -1, 4)
        out: dict[str, Any] = {}
        if propose:
            out["boxes"], out["scores"] = self.filter_proposals(
                proposals, objectness, images.image_sizes, per_level
            )
        if targets is not None:
            labels, matched_gt = self.assign_targets_to_anchors(anchors, targets)
            regression_targets = self.box_coder.encode(matched_gt, anchors)
            pos_masks, neg_masks = self.fg_bg_sampler(labels)
            pos = torch.where(torch.cat(pos_masks))[0]
            sampled = torch.cat([pos, torch.where(torch.cat(neg_masks))[0]])
            regression_targets = torch.cat(regression_targets)
            out["box_loss"] = F.smooth_l1_loss(
                box_deltas[pos], regression_targets[pos], beta=1 / 9, reduction="sum"
            ) / max(sampled.numel(), 1)
            out["score_loss"] = F.binary_cross_entropy_with_logits(
                objectness.flatten()[sampled], torch.cat(labels)[sampled]
            )
            ious = [
                paired_iou(p.reshape(-1, 4)[m.bool()], g[m.bool()])
                for p, m, g in zip(proposals, pos_masks, matched_gt, strict=True)
            ]
            out["positive_iou"] = torch.cat(ious)
            out["train_iou"] = torch.stack([i.mean() for i in ious])  # (N,) per image
        return out


def build_ours(
    conv_layer: ConvLayer,
    in_channels: int,
    hidden_channels: int,
    anchors: GridAnchorGenerator,
    *,
    positives: int = 6,
    negatives: int = 6,
    nms_iou: float = 0.8,
    proposals: int = 10,
) -> ProposalNetwork:
    """Our head + torchvision's RPN at the settings of S6 (6 + 6 samples, NMS 0.8, 10 boxes)."""
    num = anchors.num_anchors_per_location()[0]
    cells = 13 * 13 * num
    return ProposalNetwork(
        anchors,
        ProposalHead(in_channels, hidden_channels, num, conv_layer),
        fg_iou_thresh=0.7,
        bg_iou_thresh=0.3,
        batch_size_per_image=positives + negatives,
        positive_fraction=positives / (positives + negatives),
        pre_nms_top_n={"training": cells, "testing": cells},
        post_nms_top_n={"training": proposals, "testing": proposals},
        nms_thresh=nms_iou,
    )
