"""The two generators of tables S4 and S6 (and the VAE decoders of table S5).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), S7.

- :class:`DeconvGenerator`: FC z -> 4x4xW0 (BatchNorm, ReLU), then 5x5 stride-2 transposed
  convs with BatchNorm + ReLU up to 64x64, then an output activation (tanh for GANs, sigmoid
  for VAEs). Shapes GAN: widths (512, 256, 128, 64) -> 6,413,315 parameters.
- :class:`CoordConvGenerator`: z tiled to 64x64 plus the two coordinate channels, a 1x1
  CoordConv, then mostly 1x1 convs (a per-pixel MLP) and two 3x3 convs. Shapes GAN:
  444,931 parameters (docs/architecture.md, parameter counts).

The first layer of the CoordConv generator is a ``coordconv_core.CoordConv2d`` with a 1x1
kernel over the tiled z. Tiling z and convolving costs ``z_dim * C * H * W`` per sample; since
every pixel sees the same z, :class:`TiledCoordConv` computes the z term once per sample
(a matrix product) and the coordinate term once per pixel (shared across the batch) and adds
them: the same layer, the same parameters, the same output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from coordconv_core import CoordConv2d, coordinate_grid

ConvFactory = Callable[..., nn.Module]


class TiledCoordConv(nn.Module):
    """A 1x1 ``CoordConv2d`` applied to ``z`` tiled over a ``size x size`` canvas.

    ``z (N, z_dim)`` -> ``(N, out_channels, size, size)``; equal to
    ``self.conv(z[:, :, None, None].expand(-1, -1, size, size))`` but computed as
    ``(W_z z + b)`` broadcast over pixels plus ``W_c * coords`` broadcast over the batch, in
    channels-last memory layout.
    The parameters are those of ``self.conv`` (weight ``(out, z_dim + 2, 1, 1)``).
    """

    def __init__(self, z_dim: int, out_channels: int, size: int = 64) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.size = size
        self.conv = CoordConv2d(z_dim, out_channels, kernel_size=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected z of shape (N, {self.z_dim}), got {tuple(z.shape)}")
        weight = self.conv.weight.flatten(1)  # (out, z_dim + 2)
        z_term = F.linear(z, weight[:, : self.z_dim], self.conv.bias)  # (N, out)
        grid = coordinate_grid((self.size, self.size), dtype=z.dtype, device=z.device)
        # (H*W, 2) x (2, out) -> (1, H, W, out): the coordinate term, once for the whole batch
        coord_term = (grid.flatten(1).T @ weight[:, self.z_dim :].T.to(z.dtype)).view(
            1, self.size, self.size, -1
        )
        # (N, H, W, out) built channels-last and returned as an (N, out, H, W) view: the 1x1
        # convs that follow want this layout, and no copy is made (4x faster than adding in
        # NCHW and converting, forward + backward, on this CPU)
        return (z_term[:, None, None, :] + coord_term).permute(0, 3, 1, 2)


class CoordConvGenerator(nn.Module):
    """z ``(N, z_dim)`` -> image ``(N, out_channels, size, size)``; tables S4, S5, S6.

    ``layers`` lists ``(width, kernel)`` of the hidden layers; the first is built by
    ``first_layer(z_dim, width, size)`` (default :class:`TiledCoordConv`, which needs kernel 1),
    the others by ``conv_layer``; ReLU after each; a final 1x1 conv to ``out_channels``, then
    ``output()``.
    """

    def __init__(
        self,
        z_dim: int = 256,
        layers: Sequence[tuple[int, int]] = (
            (512, 1),
            (256, 1),
            (256, 1),
            (128, 1),
            (64, 1),
            (64, 3),
            (64, 3),
        ),
        out_channels: int = 3,
        *,
        size: int = 64,
        first_layer: Callable[[int, int, int], nn.Module] = TiledCoordConv,
        conv_layer: ConvFactory = nn.Conv2d,
        output: Callable[[], nn.Module] = nn.Tanh,
    ) -> None:
        super().__init__()
        self.z_dim = z_dim
        (width, kernel), *rest = layers
        if kernel != 1:
            raise ValueError("the first (tiled-z) layer of the CoordConv generator must be 1x1")
        self.first = first_layer(z_dim, width, size)
        body: list[nn.Module] = [nn.ReLU()]
        for out, k in rest:
            body += [conv_layer(width, out, k, padding=k // 2), nn.ReLU()]
            width = out
        body += [conv_layer(width, out_channels, 1), output()]
        self.body = nn.Sequential(*body)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # channels-last makes the 1x1 convs per-pixel matrix products over contiguous channels:
        # ~1.6x faster on CPU here (docs/architecture.md speed note), and the layout tensor cores want
        h = self.first(z).contiguous(memory_format=torch.channels_last)  # (N, C, H, W)
        return self.body(h)


class DeconvGenerator(nn.Module):
    """z ``(N, z_dim)`` -> image ``(N, out_channels, 64, 64)``: the DCGAN generator of S4/S6."""

    def __init__(
        self,
        z_dim: int = 256,
        widths: Sequence[int] = (512, 256, 128, 64),
        out_channels: int = 3,
        *,
        deconv_layer: ConvFactory = nn.ConvTranspose2d,
        kernel_size: int = 5,
        output: Callable[[], nn.Module] = nn.Tanh,
    ) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.base = widths[0]
        self.fc = nn.Linear(z_dim, self.base * 4 * 4)
        pad = kernel_size // 2
        layers: list[nn.Module] = [nn.BatchNorm2d(self.base), nn.ReLU()]
        outs = [*widths[1:], out_channels]
        for i, (cin, cout) in enumerate(zip(widths, outs, strict=True)):
            # stride 2 doubles the side: (H - 1) * 2 - 2 * pad + k + output_padding = 2H
            layers.append(
                deconv_layer(cin, cout, kernel_size, stride=2, padding=pad, output_padding=1)
            )
            last = i == len(outs) - 1
            layers += [output()] if last else [nn.BatchNorm2d(cout), nn.ReLU()]
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(z.shape[0], self.base, 4, 4)  # (N, 8192) -> (N, 512, 4, 4)
        return self.body(h)
