"""A stack of convolutions with nothing between them, and its fast exact forward for sparse inputs.

The CoordConv regressor of table S1 (paper S3; docs/architecture.md, parameter counts) is five convolutions in a row,
1x1 (CoordConv), 1x1, 1x1, 3x3, 3x3, with no nonlinearity before the global pooling, as in the
official code. Such a stack is an affine map of its input ``x``:

    f(x) = f(0) + L(x)

``f(0)`` (biases and coordinate channels) is the same for every sample, so it is computed once
at batch 1, shape ``(1, C_out, H, W)``. ``L`` is one convolution of ``x`` with the composed kernel
of the layers' data weights (a 5x5 kernel for table S1's stack), as long as ``x`` is zero on its
outermost ``ring`` pixels, where zero padding inside the stack would cut the composed kernel short.
The regression inputs are one-hot images (one pixel set, at 4..59), so ``L(x)`` is that kernel
placed at the set pixel: :meth:`LinearConvStack.forward` adds the kernel at each non-zero pixel
(scaled by its value) instead of convolving whole images, about 40x faster than the layers in
turn. :meth:`LinearConvStack.forward_reference` is the plain layer-by-layer forward; ``forward``
falls back to it for inputs that are not sparse, touch the ring or need their own gradient, and
the two are tested equal (outputs and parameter gradients).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _same_padding(layer: nn.Conv2d) -> int:
    """The padding of a stride-1 'same' convolution with an odd square kernel; ValueError if not."""
    k = layer.kernel_size
    ok = (
        k[0] == k[1]
        and k[0] % 2 == 1
        and layer.stride == (1, 1)
        and layer.dilation == (1, 1)
        and layer.groups == 1
        and layer.padding in ((k[0] // 2, k[0] // 2), "same")
        and layer.padding_mode == "zeros"
    )
    if not ok:
        raise ValueError(
            f"LinearConvStack needs stride-1 'same' convolutions with odd square kernels, got {layer}"
        )
    return k[0] // 2


class LinearConvStack(nn.Sequential):
    """``nn.Conv2d`` layers (any may be a ``CoordConv2d``) applied in turn, nothing in between.

    (N, C_in, H, W) -> (N, C_out, H, W). Every layer must be a stride-1 'same' convolution with
    an odd square kernel. Parameters and ``state_dict`` are those of the layers.
    """

    def __init__(self, *layers: nn.Conv2d) -> None:
        if not layers or not all(isinstance(layer, nn.Conv2d) for layer in layers):
            raise ValueError("LinearConvStack takes one or more nn.Conv2d layers")
        pads = [_same_padding(layer) for layer in layers]
        super().__init__(*layers)
        self.radius = sum(pads)  # the composed kernel is (2 * radius + 1) square
        self.ring = self.radius - pads[-1]  # input border the composed kernel is exact without

    def forward_reference(self, x: torch.Tensor) -> torch.Tensor:
        """The layers in turn."""
        return super().forward(x)

    def composed_kernel(self) -> torch.Tensor:
        """The data weights of all layers composed: ``(C_out, C_in, 2r + 1, 2r + 1)``, ``r`` = radius.

        Coordinate weights of CoordConv layers are left out: they act through ``f(0)``.
        """
        kernel = None
        for layer in self:
            data = layer.weight[:, : getattr(layer, "data_channels", layer.in_channels)]
            if kernel is None:
                kernel = data  # (C_1, C_in, k, k)
                continue
            # K'[o, i, e + g] = sum_c W[o, c, e] K[c, i, g]: a transposed conv of K (batch C_in,
            # channels C) with W as (C, C_out, k, k) weight -> (C_in, C_out, k_K + k - 1, ...)
            kernel = F.conv_transpose2d(kernel.transpose(0, 1), data.transpose(0, 1))
            kernel = kernel.transpose(0, 1)  # (C_out, C_in, k', k')
        return kernel  # type: ignore[return-value]

    def _sparse_ok(self, x: torch.Tensor, nonzero: torch.Tensor) -> bool:
        """Few enough non-zeros (vs. a convolution's cost) and none on the ``ring``."""
        side = 2 * self.radius + 1
        if len(nonzero) * side * side * 4 > x.numel():
            return False
        r, h, w = self.ring, x.shape[2], x.shape[3]
        rows, cols = nonzero[:, 2], nonzero[:, 3]
        inside = (rows >= r) & (rows < h - r) & (cols >= r) & (cols < w - r)
        return bool(inside.all())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``f(0) + L(x)`` with ``L(x)`` scattered from the non-zero pixels; exact (see module doc)."""
        if x.dim() != 4 or x.requires_grad:
            # the layers raise their own shape errors; a gradient w.r.t. every input pixel
            # (not only the non-zero ones) needs the dense forward
            return self.forward_reference(x)
        nonzero = x.detach().nonzero()  # (nnz, 4): n, c, row, col
        if not self._sparse_ok(x, nonzero):
            return self.forward_reference(x)
        n, c, rows, cols = nonzero.unbind(1)
        values = x[n, c, rows, cols]  # (nnz,)
        f0 = self.forward_reference(x.new_zeros(1, *x.shape[1:]))  # (1, C_out, H, W)
        # cross-correlation: a pixel at (row, col) adds kernel[..., R - dy, R - dx] at
        # (row + dy, col + dx); in a frame padded by R that is the flipped kernel at (row, col)
        flipped = self.composed_kernel().flip(-2, -1).transpose(0, 1)  # (C_in, C_out, s, s)
        side, pad, c_out = flipped.shape[-1], self.radius, flipped.shape[1]
        patches = values[:, None, None, None] * flipped[c]  # (nnz, C_out, s, s)
        offsets = torch.arange(side, device=x.device)
        index = (
            n[:, None, None, None],
            torch.arange(c_out, device=x.device)[None, :, None, None],
            (rows[:, None] + offsets)[:, None, :, None],
            (cols[:, None] + offsets)[:, None, None, :],
        )
        h, w = x.shape[2], x.shape[3]
        padded = patches.new_zeros(x.shape[0], c_out, h + 2 * pad, w + 2 * pad)
        padded = padded.index_put(index, patches, accumulate=True)
        return f0 + padded[:, :, pad : pad + h, pad : pad + w]
