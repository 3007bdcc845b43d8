"""The CoordConv painter: (x, y) -> a 64x64 map of logits (paper S1, S2; docs/architecture.md, parameter counts).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv solution",
NeurIPS 2018 (arXiv:1807.03247), figure S1 bottom row. The input (x, y) is tiled to 64x64, a
CoordConv layer appends the two coordinate channels, and 1x1 convs 32, 32, 64, 64, 1 (times the
channel multiplier) with ReLU between give one logit per pixel. At multiplier 1 that is
160 + 1,056 + 2,112 + 4,160 + 65 = 7,553 parameters, the paper's count.

Fast forward (docs/architecture.md "Speed note"): every layer is 1x1, so the painter is a per-pixel MLP.
The first layer's weight splits into ``W_xy`` (on the tiled (x, y): the same for every pixel) and
``W_coord`` (on the coordinate channels: the same for every sample), so its output is
``W_xy (x, y)`` per sample (N, C) plus ``W_coord coords + b`` per pixel (HW, C), broadcast.
The remaining 1x1 convs run as matmuls over channels-last pixels. The parameters are exactly the
conv layers' (same modules, same shapes); :meth:`CoordConvPainter.forward_reference` is the plain
conv forward that the fast one is tested against.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from coordconv_core import CoordConv2d, coordinate_grid

ConvLayer = Callable[..., nn.Module]


class CoordConvPainter(nn.Module):
    """(N, 2) coordinates -> (N, 64, 64) logits, one per pixel (row y, column x).

    Args:
        size: canvas side (64 in the paper).
        channel_mult: multiplier on the hidden widths 32, 32, 64, 64.
        conv_layer: the first layer's class (``CoordConv2d``; ``nn.Conv2d`` gives the painter
            without coordinates, which cannot tell pixels apart).
        with_r: add the r channel too (the paper's painter does not).
    """

    def __init__(
        self,
        size: int = 64,
        channel_mult: int = 1,
        conv_layer: ConvLayer = CoordConv2d,
        *,
        with_r: bool = False,
    ) -> None:
        super().__init__()
        self.size = size
        widths = [32 * channel_mult, 32 * channel_mult, 64 * channel_mult, 64 * channel_mult, 1]
        first_kwargs = {"with_r": with_r} if conv_layer is CoordConv2d else {}
        layers: list[nn.Module] = [conv_layer(2, widths[0], 1, **first_kwargs)]
        layers += [nn.Conv2d(a, b, 1) for a, b in itertools.pairwise(widths)]
        self.layers = nn.ModuleList(layers)
        extra = self.layers[0].weight.shape[1] - 2  # coordinate channels of the first layer
        # (extra, H, W) -> (HW, extra): the per-pixel coordinates, row-major like the output.
        grid = (
            coordinate_grid((size, size), with_r=extra == 3)
            if extra
            else torch.zeros(0, size, size)
        )
        self.register_buffer("pixel_coords", grid.flatten(1).t().contiguous(), persistent=False)

    def forward(self, coords: torch.Tensor) -> torch.Tensor:
        """Fast forward: (N, 2) -> (N, size, size) logits."""
        if coords.dim() != 2 or coords.shape[1] != 2:
            raise ValueError(f"expected coordinates of shape (N, 2), got {tuple(coords.shape)}")
        first = self.layers[0]
        w = first.weight.flatten(1)  # (C1, 2 + extra)
        n, hw = coords.shape[0], self.pixel_coords.shape[0]
        per_sample = F.linear(coords, w[:, :2])  # (N, C1)
        per_pixel = F.linear(self.pixel_coords.to(w.dtype), w[:, 2:], first.bias)  # (HW, C1)
        h = (per_sample[:, None, :] + per_pixel[None]).view(n * hw, -1).relu_()  # (N*HW, C1)
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers[1:], start=1):
            h = torch.addmm(layer.bias, h, layer.weight.flatten(1).t())  # (N*HW, C_i)
            if i < last:
                h = h.relu_()
        return h.view(n, self.size, self.size)  # (N*HW, 1) -> (N, H, W)

    @torch.no_grad()
    def init_translation_equivariant_(self) -> CoordConvPainter:
        """Set the first layer's coordinate weights to minus its (x, y) weights, in place.

        Then every first-layer unit computes ``w . ((x, y) - (i, j)) + b`` at pixel (i, j): a
        function of the offset from the input position only, so the painter starts
        translation-equivariant (the logit map of any (x, y) is the same map, moved). Everything
        stays trainable; only the starting point differs from the default init, in which each
        unit also carries a random "tilt" ``w_xy + w_coord`` that moves its ReLU kink with the
        absolute position (package README: why the quadrant split needs this).
        """
        first = self.layers[0]
        weight = first.weight.view(first.weight.shape[0], -1)  # (C1, 2 + extra)
        if weight.shape[1] < 4:
            raise ValueError("the first layer has no coordinate channels to initialise")
        weight[:, 2:4] = -weight[:, :2]
        return self

    def forward_reference(self, coords: torch.Tensor) -> torch.Tensor:
        """The paper's forward as written: tile, CoordConv, 1x1 convs. (N, 2) -> (N, H, W)."""
        h = coords[:, :, None, None].expand(-1, -1, self.size, self.size)  # (N, 2, H, W)
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if i < last:
                h = torch.relu(h)
        return h[:, 0]  # (N, 1, H, W) -> (N, H, W)
