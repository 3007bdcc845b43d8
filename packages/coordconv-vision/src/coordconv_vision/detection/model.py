"""The scattered-MNIST region-proposal model, conv and CoordConv (S6, fig. S6, table S3).

Backbone (official code): conv5x5/32 + ReLU + maxpool 2, conv5x5/64 + ReLU + maxpool 2, which
turns a 64x64 image into a 13x13x64 feature map. RPN: a 3x3 hidden conv + ReLU, then a 1x1
objectness conv (one logit per anchor) and a zero-initialised 1x1 box regressor (4 deltas per
anchor); nine anchors per cell (:mod:`.anchors`). Training samples 6 positive and 6 negative
anchors per image (IOU >= 0.7 / < 0.3 with a ground truth); test mode keeps at most 10 boxes
after NMS at IOU 0.8. There is no classification head: the loss is box (smooth L1) + score
(objectness cross-entropy).

The CoordConv model differs only in ``conv_layer``, used at the three places fig. S6 colours
green: the first backbone conv (coordinates at the input), the RPN hidden conv and the box
regressor's 1x1. torchvision supplies the rest: ``RegionProposalNetwork`` (matching with
``Matcher``, sampling with ``BalancedPositiveNegativeSampler``, ``BoxCoder``, NMS).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.rpn import RegionProposalNetwork, concat_box_prediction_layers

from coordconv_vision.detection.anchors import PAPER_ANCHOR_SIZES, GridAnchorGenerator
from coordconv_vision.detection.metrics import paired_iou

ConvLayer = Callable[..., nn.Conv2d]


class Backbone(nn.Sequential):
    """``(N, 1, 64, 64) -> (N, 64, 13, 13)``: two conv5x5 + ReLU + maxpool 2 stages."""

    def __init__(self, conv_layer: ConvLayer = nn.Conv2d, in_channels: int = 1) -> None:
        super().__init__(
            conv_layer(in_channels, 32, 5),  # 64 -> 60
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # 60 -> 30
            nn.Conv2d(32, 64, 5),  # 30 -> 26
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # 26 -> 13
        )
        self.out_channels = 64


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

    def run(
        self,
        images: ImageList,
        features: torch.Tensor,
        targets: list[dict[str, torch.Tensor]] | None = None,
        propose: bool = True,
    ) -> dict[str, Any]:
        logits, deltas = self.head([features])
        anchors = self.anchor_generator(images, [features.detach().float()])
        num_images = len(anchors)
        per_level = [o[0].numel() for o in logits]  # A * H * W
        objectness, box_deltas = concat_box_prediction_layers(
            logits, deltas
        )  # (N*HWA, 1), (N*HWA, 4)
        objectness, box_deltas = objectness.float(), box_deltas.float()
        proposals = self.box_coder.decode(box_deltas.detach(), anchors).view(num_images, -1, 4)
        out: dict[str, Any] = {}
        if propose:
            out["boxes"], out["scores"] = self.filter_proposals(
                proposals, objectness, images.image_sizes, per_level
            )
        if targets is not None:
            labels, matched_gt = self.assign_targets_to_anchors(anchors, targets)
            regression_targets = self.box_coder.encode(matched_gt, anchors)
            pos, neg = self.fg_bg_sampler(labels)
            pos = torch.where(torch.cat(pos))[0]
            sampled = torch.cat([pos, torch.where(torch.cat(neg))[0]])
            regression_targets = torch.cat(regression_targets)
            out["box_loss"] = F.smooth_l1_loss(
                box_deltas[pos], regression_targets[pos], beta=1 / 9, reduction="sum"
            ) / max(sampled.numel(), 1)
            out["score_loss"] = F.binary_cross_entropy_with_logits(
                objectness.flatten()[sampled], torch.cat(labels)[sampled]
            )
            out["positive_iou"] = paired_iou(
                proposals.reshape(-1, 4)[pos], torch.cat(matched_gt)[pos]
            )
        return out


class ProposalDetector(nn.Module):
    """Backbone + RPN for 64x64 single-channel images (S6). ``conv_layer`` picks conv/CoordConv."""

    def __init__(
        self,
        conv_layer: ConvLayer = nn.Conv2d,
        *,
        hidden_channels: int = 64,
        anchor_sizes: tuple[tuple[float, float], ...] = PAPER_ANCHOR_SIZES,
        fg_iou: float = 0.7,
        bg_iou: float = 0.3,
        positives: int = 6,
        negatives: int = 6,
        nms_iou: float = 0.8,
        proposals: int = 10,
    ) -> None:
        super().__init__()
        self.backbone = Backbone(conv_layer)
        head = ProposalHead(
            self.backbone.out_channels, hidden_channels, len(anchor_sizes), conv_layer
        )
        self.rpn = ProposalNetwork(
            GridAnchorGenerator(anchor_sizes),
            head,
            fg_iou_thresh=fg_iou,
            bg_iou_thresh=bg_iou,
            batch_size_per_image=positives + negatives,
            positive_fraction=positives / (positives + negatives),
            pre_nms_top_n={
                "training": 13 * 13 * len(anchor_sizes),
                "testing": 13 * 13 * len(anchor_sizes),
            },
            post_nms_top_n={"training": proposals, "testing": proposals},
            nms_thresh=nms_iou,
        )

    def forward(
        self,
        images: torch.Tensor,
        targets: list[dict[str, torch.Tensor]] | None = None,
        propose: bool = True,
    ) -> dict[str, Any]:
        """``images (N, 1, H, W)`` in [0, 1]; ``targets[i]["boxes"] (G, 4)`` xyxy pixels.

        Returns ``boxes``/``scores`` (lists, at most ``proposals`` per image, best first) when
        ``propose``; ``box_loss``, ``score_loss`` and ``positive_iou`` (per sampled positive)
        when ``targets`` are given.
        """
        if images.dim() != 4:
            raise ValueError(f"images must be (N, C, H, W), got shape {tuple(images.shape)}")
        image_list = ImageList(images, [tuple(images.shape[-2:])] * images.shape[0])
        return self.rpn.run(image_list, self.backbone(images), targets, propose)


def build_detector(name: str, *, hidden_channels: int = 64) -> ProposalDetector:
    """``conv`` (``nn.Conv2d`` everywhere) or ``coordconv`` (``CoordConv2d`` where fig. S6 is green)."""
    from coordconv_core import CoordConv2d

    layers: dict[str, ConvLayer] = {"conv": nn.Conv2d, "coordconv": CoordConv2d}
    if name not in layers:
        raise ValueError(f"unknown detector {name!r}; choose conv or coordconv")
    return ProposalDetector(layers[name], hidden_channels=hidden_channels)
