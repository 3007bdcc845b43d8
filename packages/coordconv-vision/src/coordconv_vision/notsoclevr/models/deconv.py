"""The deconvolutional painter baseline (paper S1 top row, S2; docs/architecture.md).

(x, y) as a 1x1x2 image, then six stride-2 transposed convs 64, 64, 64, 32, 32 (times the
channel multiplier), 1 with BatchNorm + ReLU between, doubling 1 -> 64 pixels. Filter sizes 2, 3, 4
all double exactly (padding chosen like TensorFlow's ``same``: k=2 p=0; k=3 p=1 + output
padding 1; k=4 p=1).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch
from torch import nn

ConvLayer = Callable[..., nn.Module]

_PADDING = {2: (0, 0), 3: (1, 1), 4: (1, 0)}  # filter size -> (padding, output_padding)


class DeconvPainter(nn.Module):
    """(N, 2) coordinates -> (N, 64, 64) logits through six stride-2 transposed convs.

    Args:
        filter_size: 2, 3 or 4.
        channel_mult: multiplier on the hidden widths 64, 64, 64, 32, 32.
        conv_layer: the first layer's class (``nn.ConvTranspose2d`` or ``CoordConvTranspose2d``).
    """

    def __init__(
        self,
        filter_size: int = 2,
        channel_mult: int = 1,
        conv_layer: ConvLayer = nn.ConvTranspose2d,
    ) -> None:
        super().__init__()
        if filter_size not in _PADDING:
            raise ValueError(f"deconv filter size must be 2, 3 or 4, got {filter_size}")
        pad, out_pad = _PADDING[filter_size]
        widths = [2] + [c * channel_mult for c in (64, 64, 64, 32, 32)] + [1]
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(itertools.pairwise(widths)):
            make = conv_layer if i == 0 else nn.ConvTranspose2d
            layers.append(make(a, b, filter_size, stride=2, padding=pad, output_padding=out_pad))
            if i < len(widths) - 2:
                layers += [nn.BatchNorm2d(b, momentum=0.1, eps=1e-5), nn.ReLU(inplace=True)]
        self.net = nn.Sequential(*layers)

    def forward(self, coords: torch.Tensor) -> torch.Tensor:
        """(N, 2) -> (N, 64, 64)."""
        if coords.dim() != 2 or coords.shape[1] != 2:
            raise ValueError(f"expected coordinates of shape (N, 2), got {tuple(coords.shape)}")
        return self.net(coords[:, :, None, None])[
            :, 0
        ]  # (N, 2, 1, 1) -> (N, 1, 64, 64) -> (N, 64, 64)
