"""The CoordConv front of the ImageNet ResNet-50 (S5, table S2).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv solution",
NeurIPS 2018 (arXiv:1807.03247), S5: "we add an extra CoordConv layer only in the beginning, which
takes a 6-channel tensor containing image RGB, i, j coordinates and pixel distance to center r,
and output 8 channels with 1x1 convolution. [...] It then goes in with the rest of ResNet-50."

:class:`CoordConvStem` replaces ResNet-50's ``conv1``. It holds exactly the paper's parameters, a
``CoordConv2d(3, 8, 1, with_r=True)`` (``coords``) and the 7x7/2 ``Conv2d(8, 64)`` (``conv``), but
computes ``conv(coords(x))`` without building the 8-channel full-resolution tensor. Nothing
non-linear sits between the two layers, so with ``coords`` weight ``[W_x | W_c]`` (data and
coordinate columns) and bias ``b``::

    conv(pad(W_x x + W_c g + b)) = conv'(pad(x)) + conv''(pad([g; 1])),
    conv' = conv o W_x,  conv'' = conv o [W_c | b]

The first term is a 7x7 convolution over the 3 RGB channels (the plain ResNet-50 cost), the second
a 7x7 convolution of the fixed coordinate basis ``[i, j, r, 1]`` (zero-padded like the 8-channel
tensor would be), computed for one image and broadcast over the batch; it needs no input
gradient, so its backward is one weight gradient over one image.
Gradients reach ``W_x``, ``W_c``, ``b`` and ``conv`` exactly as in the two-layer form
(:meth:`CoordConvStem.reference_forward`, used by the tests).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from coordconv_core import CoordConv2d, coordinate_grid


class CoordConvStem(nn.Module):
    """1x1 ``CoordConv2d(in, mid, with_r=True)`` then ``Conv2d(mid, out, 7, stride 2, pad 3)``.

    Input ``(N, in_channels, H, W)``; output ``(N, out_channels, ceil(H / 2), ceil(W / 2))``.
    """

    def __init__(
        self,
        in_channels: int = 3,
        mid_channels: int = 8,
        out_channels: int = 64,
        *,
        kernel_size: int = 7,
        stride: int = 2,
        padding: int = 3,
        with_r: bool = True,
    ) -> None:
        super().__init__()
        self.coords = CoordConv2d(in_channels, mid_channels, 1, with_r=with_r)
        self.conv = nn.Conv2d(mid_channels, out_channels, kernel_size, stride, padding, bias=False)
        self.in_channels = in_channels

    def reference_forward(self, x: torch.Tensor) -> torch.Tensor:
        """The literal two-layer form ``conv(coords(x))`` (slower; for tests)."""
        return self.conv(self.coords(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"CoordConvStem expects (N, {self.in_channels}, H, W), got shape {tuple(x.shape)}"
            )
        c = self.in_channels
        w1 = self.coords.weight.flatten(1)  # (mid, c + coords)
        w_data, w_coord = w1[:, :c], w1[:, c:]
        conv_w = self.conv.weight  # (out, mid, k, k)
        # conv' = conv o W_x: (out, mid, k, k) x (mid, c) -> (out, c, k, k)
        fused = torch.einsum("omhw,mc->ochw", conv_w, w_data.to(conv_w.dtype))
        data_term = F.conv2d(x, fused.to(x.dtype), None, self.conv.stride, self.conv.padding)
        # coordinate term: the fixed basis [coords; ones] (coords + 1, H, W) under the composed
        # weight conv o [W_c | b] (out, coords + 1, k, k); one image, no input gradient needed
        grid = coordinate_grid(
            tuple(x.shape[2:]), with_r=self.coords.with_r, dtype=x.dtype, device=x.device
        )
        basis = torch.cat([grid, torch.ones_like(grid[:1])]).unsqueeze(0)  # (1, coords + 1, H, W)
        bias = self.coords.bias if self.coords.bias is not None else torch.zeros_like(w1[:, 0])
        w_basis = torch.cat([w_coord, bias[:, None]], dim=1)  # (mid, coords + 1)
        composed = torch.einsum("omhw,mk->okhw", conv_w, w_basis.to(conv_w.dtype))
        coord_term = F.conv2d(
            basis, composed.to(x.dtype), None, self.conv.stride, self.conv.padding
        )  # (1, out, H', W'), broadcast over the batch
        return data_term + coord_term
