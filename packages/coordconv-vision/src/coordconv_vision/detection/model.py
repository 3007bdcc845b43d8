"""The scattered-MNIST region-proposal model, conv and CoordConv (S6, fig. S6, table S3).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv solution",
NeurIPS 2018 (arXiv:1807.03247). Backbone (official code): conv5x5/32 + ReLU + maxpool 2,
conv5x5/64 + ReLU + maxpool 2, which turns a 64x64 image into a 13x13x64 feature map; then a
region-proposal head with nine anchors per cell and no classification head (the loss is box +
score). Two heads: ``official`` (:mod:`.head_official`, the default: the official code's layers,
sampler, losses and TF init) and ``ours`` (:mod:`.head_ours`, our earlier torchvision-based
head). The CoordConv model differs only in ``conv_layer``, used where fig. S6 colours green: the
first backbone conv (coordinates at the input), the RPN hidden conv and the box regressor's 1x1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from coordconv_vision.detection.anchors import ANCHOR_TABLES, GridAnchorGenerator
from coordconv_vision.detection.head_official import OfficialHead, OfficialProposals, tf_init_
from coordconv_vision.detection.head_ours import build_ours

ConvLayer = Callable[..., nn.Conv2d]
HEADS = ("official", "ours")
ANCHOR_LAYOUTS = tuple(ANCHOR_TABLES)
HIDDEN_CHANNELS = {"official": 32, "ours": 64}


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


class ProposalDetector(nn.Module):
    """Backbone + region-proposal network for 64x64 single-channel images (S6)."""

    def __init__(self, backbone: Backbone, rpn: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone
        self.rpn = rpn

    def forward(
        self,
        images: torch.Tensor,
        targets: list[dict[str, torch.Tensor]] | None = None,
        propose: bool = True,
    ) -> dict[str, Any]:
        """``images (N, 1, H, W)`` in [0, 1]; ``targets[i]["boxes"] (G, 4)`` xyxy pixels.

        Returns ``boxes``/``scores`` (lists, at most 10 per image, best first) when ``propose``;
        ``box_loss`` and ``score_loss`` (scalars), ``positive_iou`` (per sampled positive) and
        ``train_iou`` ``(N,)`` (each image's mean IOU of its sampled positives) when ``targets``
        are given (also in eval mode: table S3's losses are on the test set).
        """
        if images.dim() != 4:
            raise ValueError(f"images must be (N, C, H, W), got shape {tuple(images.shape)}")
        image_size = (int(images.shape[-2]), int(images.shape[-1]))
        return self.rpn(self.backbone(images), image_size, targets, propose)


def build_detector(
    name: str,
    *,
    head: str = "official",
    anchor_layout: str = "paper",
    hidden_channels: int | None = None,
) -> ProposalDetector:
    """``conv`` (``nn.Conv2d`` everywhere) or ``coordconv`` (``CoordConv2d`` where fig. S6 is green).

    ``head``: ``official`` or ``ours``; ``anchor_layout``: ``paper`` (S6's nine anchors at every
    cell) or ``official`` (the table the official script feeds, :func:`.official_anchor_table`;
    official head only); ``hidden_channels`` defaults to the head's (32 official, 64 ours).
    """
    from coordconv_core import CoordConv2d

    layers: dict[str, ConvLayer] = {"conv": nn.Conv2d, "coordconv": CoordConv2d}
    if name not in layers:
        raise ValueError(f"unknown detector {name!r}; choose conv or coordconv")
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; choose {' or '.join(HEADS)}")
    if anchor_layout not in ANCHOR_TABLES:
        raise ValueError(f"unknown anchor layout {anchor_layout!r}; choose paper or official")
    if head == "ours" and anchor_layout != "paper":
        raise ValueError("--anchor-layout official needs --head official")
    hidden = hidden_channels or HIDDEN_CHANNELS[head]
    conv_layer = layers[name]
    backbone = Backbone(conv_layer)
    builders = {"official": _official_rpn, "ours": _ours_rpn}
    return ProposalDetector(backbone, builders[head](conv_layer, backbone, hidden, anchor_layout))


def _official_rpn(
    conv_layer: ConvLayer, backbone: Backbone, hidden: int, anchor_layout: str
) -> nn.Module:
    tf_init_(backbone)  # the official model initialises every conv with TF's he_normal
    anchors = ANCHOR_TABLES[anchor_layout]()
    head = OfficialHead(backbone.out_channels, hidden, len(anchors) // (13 * 13), conv_layer)
    return OfficialProposals(head, anchors)


def _ours_rpn(
    conv_layer: ConvLayer, backbone: Backbone, hidden: int, anchor_layout: str
) -> nn.Module:
    del anchor_layout  # always the paper's (checked by build_detector)
    return build_ours(conv_layer, backbone.out_channels, hidden, GridAnchorGenerator())
