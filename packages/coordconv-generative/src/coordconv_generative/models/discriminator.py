"""The discriminator of tables S4 and S6, also the VAE encoder of table S5.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), S7. DCGAN-style: 5x5 convs with stride 2
(64, 128, 256, 512) with BatchNorm after all but the first and LeakyReLU(0.2), then a fully
connected layer over the 4x4x512 map (8192 -> ``out_features``). 4,316,545 parameters for the
shapes GAN; a CoordConv first layer (5 input channels) adds 3,200 -> 4,319,745 (docs/architecture.md, parameter counts).

The first layer and the other convs are passed in as callables (``nn.Conv2d`` or
``coordconv_core.CoordConv2d``): table S4's CoordConv discriminator changes only the first
layer, table S6's (LSUN) every layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

ConvFactory = Callable[..., nn.Module]
DISC_WIDTHS = (64, 128, 256, 512)  # tables S4 and S6 alike (and the VAE encoder of table S5)


class Discriminator(nn.Module):
    """Image ``(N, C, H, W)`` -> ``(N, out_features)`` (logits for a GAN, latent stats for a VAE)."""

    def __init__(
        self,
        in_channels: int = 3,
        widths: Sequence[int] = DISC_WIDTHS,
        out_features: int = 1,
        *,
        image_size: int = 64,
        first_layer: ConvFactory = nn.Conv2d,
        conv_layer: ConvFactory = nn.Conv2d,
        kernel_size: int = 5,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for i, width in enumerate(widths):
            make = first_layer if i == 0 else conv_layer
            layers.append(make(channels, width, kernel_size, stride=2, padding=kernel_size // 2))
            if i > 0:  # DCGAN: no BatchNorm on the first layer (1,792 BN params = 128+256+512, x2)
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.LeakyReLU(0.2))
            channels = width
        self.features = nn.Sequential(*layers)
        side = image_size // 2 ** len(widths)
        self.fc = nn.Linear(channels * side * side, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)  # (N, 512, 4, 4) for 64x64 input
        return self.fc(h.flatten(1))  # (N, 8192) -> (N, out_features)
