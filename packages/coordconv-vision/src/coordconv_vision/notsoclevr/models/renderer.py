"""The CoordConv rendering model: (x, y) -> the 64x64 image of the square (paper S1, S4).

docs/architecture.md, parameter counts (official code): the CoordConv painter (7,553 parameters) gives a logit per pixel,
a softmax over the 4,096 pixels turns it into a "where" map, and five ``fs x fs`` convs
1 -> 8 -> 8 -> 16 -> 16 -> 1 (times the channel multiplier, ReLU between, TensorFlow ``same``
padding) paint the square from it. Output: per-pixel logits for a sigmoid cross-entropy.

Sizes by filter size: fs = 1 adds 521 (8,074 in all; the official experiment commands used
fs 1), fs = 2 adds 40 + 264 + 528 + 1,040 + 65 = 1,937 (9,490, the paper's count), fs = 3 adds
4,297 (11,850; the official model's default fs). Five ``fs x fs`` convs see 5 (fs - 1) + 1
pixels, so only fs = 3 can paint the 9x9 square from a single-pixel "where" map; at fs 1 and 2 the
painter must itself draw a blob (the square, or a 4x4 patch) that the convs grow.

``where_loss`` (see :data:`WHERE_LOSSES`): the official code's optional intermediate loss
(``--interm_loss softmax``) supervises the where logits with the softmax cross-entropy of the
classification task (target: the centre pixel). ``"separate"`` also stops the rendering loss at the
where map, so the painter is trained only as the coordinate classifier (which generalises
perfectly, S2) and the translation-equivariant convs only learn to stamp the square.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_vision.notsoclevr.models.painter import CoordConvPainter

ConvLayer = Callable[..., nn.Module]

# --where-loss choices: none = the paper's end-to-end model (rendering loss only); joint = plus the
# classification loss on the where logits, all gradients flowing; separate = the same two losses,
# but the rendering loss does not reach the painter.
WHERE_LOSSES = ("none", "joint", "separate")


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
        where_loss: one of :data:`WHERE_LOSSES`; the model only needs to know whether to detach
            the where map (``"separate"``); the loss itself is the training loop's.
    """

    def __init__(
        self,
        size: int = 64,
        filter_size: int = 2,
        channel_mult: int = 1,
        conv_layer: ConvLayer = CoordConv2d,
        where_loss: str = "none",
    ) -> None:
        super().__init__()
        if where_loss not in WHERE_LOSSES:
            raise ValueError(f"where_loss must be one of {WHERE_LOSSES}, got {where_loss!r}")
        self.detach_where = where_loss == "separate"
        self.painter = CoordConvPainter(size, channel_mult, conv_layer)
        widths = [1, 8 * channel_mult, 8 * channel_mult, 16 * channel_mult, 16 * channel_mult, 1]
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(itertools.pairwise(widths)):
            layers += [same_padding(filter_size), nn.Conv2d(a, b, filter_size)]
            if i < len(widths) - 2:
                layers.append(nn.ReLU(inplace=True))
        self.paint = nn.Sequential(*layers)

    @staticmethod
    def where(logits: torch.Tensor) -> torch.Tensor:
        """The softmax-over-pixels map the painting convs start from: (N, H, W) -> (N, H, W).

        Scaled by the pixel count (mean 1 instead of 1/4096): a fixed factor, no parameters,
        that puts the map on the scale of the convs' initialisation and Adam's steps.
        """
        return torch.softmax(logits.flatten(1), dim=1).view_as(logits) * logits[0].numel()

    def forward(
        self, coords: torch.Tensor, *, return_where_logits: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """(N, 2) -> (N, H, W) logits; with ``return_where_logits`` also the painter's (N, H, W)."""
        where_logits = self.painter(coords)  # (N, H, W)
        where = self.where(where_logits.detach() if self.detach_where else where_logits)
        logits = self.paint(where[:, None])[:, 0]  # (N, 1, H, W) -> (N, H, W)
        return (logits, where_logits) if return_where_logits else logits
