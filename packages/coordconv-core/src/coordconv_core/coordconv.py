"""CoordConv layers: drop-in subclasses of ``nn.Conv*d`` / ``nn.ConvTranspose*d``.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), section 3 and S9: a convolution over the input
concatenated with coordinate channels (:mod:`coordconv_core.coords`).

The constructor's ``in_channels`` is the number of data channels (kept as ``data_channels``; the
``in_channels`` attribute is torch's and counts data + coordinate channels). The weight covers
both: ``(out, in + extra, *k)`` for convolutions, ``(in + extra, out, *k)`` for transposed ones
(torch's layouts), ``extra = rank + with_r``.

The forward equals ``conv(cat([x, coords]), weight) + bias`` but never builds the concatenation.
Convolution is linear and padding acts per channel, so it splits into::

    conv(x, weight[data]) + [conv(coords, weight[coord]) + bias]

and the bracket is the same for every sample: it is computed once at batch 1, shape
``(1, out, *out_spatial)``, and broadcast-added in place. Compared with concatenate-then-convolve
this saves the copy of the input and, in training, the concatenated tensor autograd would keep for
the weight gradient (a second copy of every CoordConv input). The bracket is computed as im2col +
one small matrix product (:mod:`coordconv_core.coord_term`) for 1-D/2-D layers. One exception,
by measurement: pointwise layers with thin inputs concatenate (see ``_CoordConv``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

import torch
import torch.nn.functional as F
from torch import nn

from coordconv_core.coord_term import conv_coord_term, conv_transpose_coord_term
from coordconv_core.coords import _check_input, add_coords, coordinate_grid

if TYPE_CHECKING:
    # The mixins run before a torch convolution class in every layer's MRO, so for the type
    # checker they derive from the torch base whose attributes (``kernel_size``, ``stride``,
    # ``_conv_forward``, ``_output_padding``...) and ``super()`` methods they use; at run time
    # they derive from ``object`` and the layer class supplies the torch base.
    from torch.nn.modules.conv import _ConvNd as _ConvBase
    from torch.nn.modules.conv import _ConvTransposeNd as _ConvTransposeBase
else:
    _ConvBase = _ConvTransposeBase = object


class _CoordConvNd(_ConvBase):
    """Shared constructor, checks and forward pieces of every CoordConv layer.

    Mixed in before the torch layer class (``class CoordConv2d(_CoordConvNd, nn.Conv2d)``).
    """

    _rank: ClassVar[int]
    with_r: bool
    data_channels: int
    weight: nn.Parameter
    bias: torch.Tensor | None

    def __init__(
        self, in_channels: int, out_channels: int, *args: Any, with_r: bool = False, **kwargs: Any
    ) -> None:
        base = next(c for c in type(self).__mro__ if c.__module__.startswith("torch.nn"))
        bound = inspect.signature(base.__init__).bind(
            self, in_channels, out_channels, *args, **kwargs
        )
        groups = bound.arguments.get("groups", 1)
        if groups != 1:
            raise ValueError(
                f"{type(self).__name__} does not support groups={groups}: the coordinate channels "
                "belong to no group (use groups=1)"
            )
        extra = self._rank + int(with_r)
        super().__init__(in_channels + extra, out_channels, *args, **kwargs)
        self.with_r = with_r
        self.data_channels = in_channels

    @property
    def rank(self) -> int:
        """Number of spatial dimensions (1, 2 or 3)."""
        return self._rank

    @property
    def extra_channels(self) -> int:
        """Number of coordinate channels: ``rank + with_r``."""
        return self._rank + int(self.with_r)

    def _check(self, x: torch.Tensor) -> None:
        _check_input(x, self._rank, type(self).__name__)
        if x.shape[1] != self.data_channels:
            raise ValueError(
                f"{type(self).__name__} expects {self.data_channels} data channels (the "
                f"{self.extra_channels} coordinate channels are added inside), got {x.shape[1]}"
            )

    def _grid(self, x: torch.Tensor) -> torch.Tensor:
        """``(extra, *spatial)`` coordinate channels for ``x``'s spatial size."""
        return coordinate_grid(x.shape[2:], with_r=self.with_r, dtype=x.dtype, device=x.device)

    def extra_repr(self) -> str:
        # ``in_channels`` (first in torch's repr) counts data + coordinate channels, like the weight.
        return f"{super().extra_repr()}, data_channels={self.data_channels}, with_r={self.with_r}"


class _CoordConv(_CoordConvNd):
    """Forward for ``nn.Conv*d`` bases: weight ``(out, in + extra, *k)``.

    Pointwise (1x1) layers with thin inputs, ``4 * (in + extra) <= out``, concatenate instead:
    such a convolution is memory-bound, writing its output dominates, and the split form's extra
    pass over the output (the broadcast add) costs more than copying the thin input (1x1 layers
    from 1 or 2 to 32 channels at 64x64, like the first layer of the paper's painters, ran
    1.5-1.8x slower split than concatenated on CPU). The copy kept for backward is then at most a
    quarter of the output's size.
    """

    @property
    def _concatenate(self) -> bool:
        pointwise = all(k == 1 for k in self.kernel_size)
        return pointwise and 4 * (self.data_channels + self.extra_channels) <= self.out_channels

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check(input)
        if self._concatenate:
            return self._conv_forward(add_coords(input, self.with_r), self.weight, self.bias)
        c = self.data_channels
        # _conv_forward applies padding_mode (F.pad per channel, then conv) to the data term.
        out = self._conv_forward(input, self.weight[:, :c], None)
        grid, w_coord = self._grid(input), self.weight[:, c:]
        if self._rank == 3 or torch.onnx.is_in_onnx_export():  # TorchScript ONNX: no im2col
            coord = self._conv_forward(grid.unsqueeze(0), w_coord, self.bias)
        else:
            coord = conv_coord_term(
                grid,
                w_coord,
                self.bias,
                out.shape[2:],
                stride=self.stride,
                dilation=self.dilation,
                kernel_size=self.kernel_size,
                reversed_padding=self._reversed_padding_repeated_twice,
                padding_mode=self.padding_mode,
            )
        return out.add_(coord)  # (N, out, *o) += (1, out, *o); conv does not save its output


class _CoordConvTranspose(_CoordConvNd, _ConvTransposeBase):
    """Forward for ``nn.ConvTranspose*d`` bases: weight ``(in + extra, out, *k)``."""

    _conv_transpose: ClassVar[Callable[..., torch.Tensor]]  # F.conv_transpose{rank}d

    def forward(self, input: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        self._check(input)
        # torch stores these as tuples but types ``_output_padding``'s parameters ``list[int]``
        # (for TorchScript; it only indexes them), and a transposed layer's padding is never a
        # string ("same"/"valid" are refused by its constructor)
        stride = cast("list[int]", self.stride)
        padding = cast("list[int]", self.padding)
        kernel_size = cast("list[int]", self.kernel_size)
        dilation = cast("list[int]", self.dilation)
        output_padding = self._output_padding(
            input, output_size, stride, padding, kernel_size, self._rank, dilation
        )
        c = self.data_channels
        args = (stride, padding, output_padding, 1, dilation)
        out = self._conv_transpose(input, self.weight[:c], None, *args)
        grid, w_coord = self._grid(input), self.weight[c:]
        fold_ok = all(p < s for p, s in zip(output_padding, stride, strict=True))
        if self._rank == 3 or not fold_ok or torch.onnx.is_in_onnx_export():
            coord = self._conv_transpose(grid.unsqueeze(0), w_coord, self.bias, *args)
        else:
            coord = conv_transpose_coord_term(
                grid,
                w_coord,
                self.bias,
                out.shape[2:],
                stride=stride,
                padding=padding,
                dilation=dilation,
                kernel_size=kernel_size,
            )
        return out.add_(coord)


class CoordConv1d(_CoordConv, nn.Conv1d):
    """``nn.Conv1d`` over ``(N, C, L)`` plus one coordinate channel (and r if ``with_r``)."""

    _rank = 1


class CoordConv2d(_CoordConv, nn.Conv2d):
    """``nn.Conv2d`` over ``(N, C, H, W)`` plus x, y (and r) coordinate channels."""

    _rank = 2


class CoordConv3d(_CoordConv, nn.Conv3d):
    """``nn.Conv3d`` over ``(N, C, D, H, W)`` plus three coordinate channels (and r)."""

    _rank = 3


class CoordConvTranspose1d(_CoordConvTranspose, nn.ConvTranspose1d):
    """``nn.ConvTranspose1d`` with one coordinate channel (and r) on its input."""

    _rank = 1
    _conv_transpose = staticmethod(F.conv_transpose1d)


class CoordConvTranspose2d(_CoordConvTranspose, nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` with x, y (and r) coordinate channels on its input."""

    _rank = 2
    _conv_transpose = staticmethod(F.conv_transpose2d)


class CoordConvTranspose3d(_CoordConvTranspose, nn.ConvTranspose3d):
    """``nn.ConvTranspose3d`` with three coordinate channels (and r) on its input."""

    _rank = 3
    _conv_transpose = staticmethod(F.conv_transpose3d)


COORDCONV_FOR: dict[type[nn.Module], type[nn.Module]] = {
    nn.Conv1d: CoordConv1d,
    nn.Conv2d: CoordConv2d,
    nn.Conv3d: CoordConv3d,
    nn.ConvTranspose1d: CoordConvTranspose1d,
    nn.ConvTranspose2d: CoordConvTranspose2d,
    nn.ConvTranspose3d: CoordConvTranspose3d,
}
"""The CoordConv layer that replaces each torch convolution class."""
