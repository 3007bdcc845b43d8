"""The CoordConv rendering model: (x, y) -> the 64x64 image of the square (paper S1, S4).

DESIGN.md 5.1b (official code): the CoordConv painter (7,553 parameters) gives a logit per pixel,
a softmax over the 4,096 pixels turns it into a "where" map, and five ``fs x fs`` convs
1 -> 8 -> 8 -> 16 -> 16 -> 1 (times the channel multiplier, ReLU between, TensorFlow ``same``
padding) paint the square from it: 40 + 264 + 528 + 1,040 + 65 = 1,937 more at fs = 2, total
9,490, the paper's count. Output: per-pixel logits for a sigmoid cross-entropy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_vision.notsoclevr.models.painter import CoordConvPainter

ConvLayer = Callable[..., nn.Module]


def same_padding(kernel_size: int) -> nn.ZeroPad2d:
    """TensorFlow's ``same`` padding for stride 1: the odd pixel goes right/bottom."""
    total = kernel_size - 1
    before = total // 2
    return nn.ZeroPad2d((before, total - before, before, total - before))


class CoordConvRenderer(nn.Module):
    """(N, 2) coordinates -> (N, 64, 64) per-pixel logits of the square.

    Args:
        size: canvas side.
        filter_size: side of the painting convs (S4 swept 1 and 2; 2 gives 9,490 parameters).
        channel_mult: multiplier on the painter's and the painting convs' widths.
        conv_layer: the painter's first layer (``CoordConv2d``).
    """

    def __init__(
        self,
        size: int = 64,
        filter_size: int = 2,
        channel_mult: int = 1,
        conv_layer: ConvLayer = CoordConv2d,
    ) -> None:
        super().__init__()
        self.painter = CoordConvPainter(size, channel_mult, conv_layer)
        widths = [1, 8 * channel_mult, 8 * channel_mult, 16 * channel_mult, 16 * channel_mult, 1]
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(itertools.pairwise(widths)):
            layers += [same_padding(filter_size), nn.Conv2d(a, b, filter_size)]
            if i < len(widths) - 2:
                layers.append(nn.ReLU(inplace=True))
        self.paint = nn.Sequential(*layers)

    def where(self, coords: torch.Tensor) -> torch.Tensor:
        """The softmax-over-pixels map the painting convs start from, (N, H, W).

        Scaled by the pixel count (mean 1 instead of 1/4096): a fixed factor, no parameters,
        that puts the map on the scale of the convs' initialisation and Adam's steps.
        """
        logits = self.painter(coords)  # (N, H, W)
        return torch.softmax(logits.flatten(1), dim=1).view_as(logits) * logits[0].numel()

    def forward(self, coords: torch.Tensor) -> torch.Tensor:
        """(N, 2) -> (N, H, W) logits."""
        return self.paint(self.where(coords)[:, None])[:, 0]  # (N, 1, H, W) -> (N, H, W)
