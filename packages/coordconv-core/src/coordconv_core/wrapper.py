"""CoordConv around a convolution whose own forward must keep running (``CoordConvWrapper``).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247): CoordConv is ``conv(cat([x, coords]))``, which by
linearity is ``conv(x) + conv(coords, W_coord)`` (:mod:`coordconv_core.coordconv`).

Subclasses of ``nn.Conv*d`` often change the forward: a weight-standardised convolution
normalises its weight first, a TensorFlow-style "same" convolution pads the input itself (asymmetric
when needed), quantisation-aware or parametrised layers transform the weight. A CoordConv layer
would replace that forward, so :class:`CoordConvWrapper` keeps the module and adds the coordinate
term to its output::

    wrapper(x) = conv(x) + conv_coords(coords, coord_weight)

where ``conv_coords`` is a dense (``groups=1``) convolution, without bias, of the coordinate
channels with the wrapped layer's kernel size, stride, dilation and padding. ``coord_weight``
(``(out, extra, *k)``, transposed ``(extra, out, *k)``) starts at zero, so wrapping keeps the
function; the coordinate term is computed once per forward at batch 1, like the layers'.

Padding: the coordinate term uses the wrapped layer's ``padding`` and ``padding_mode``. If the
wrapped forward's output has another spatial size than those give (a layer that pads inside its
forward, with ``padding=0`` stored), the padding is taken from the sizes instead: per dim the total
``(o - 1) * stride + dilation * (k - 1) + 1 - i``, split as TensorFlow's "SAME" and torch's
``padding="same"`` split it (the odd one at the end). That is exact for every "same" convolution in
use (timm's ``Conv2dSame``, Keras ports); for any other geometry pass ``coord_padding`` (per-dim
symmetric padding). A size that no padding gives (a negative total) is a ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn.modules.conv import _ConvNd

from coordconv_core.coord_term import coordinate_term
from coordconv_core.coords import encode_grid, register_frequencies
from coordconv_core.encoding import CoordEncoding, as_encoding


def _per_dim(value: int | Sequence[int], rank: int, name: str) -> tuple[int, ...]:
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(values) != rank or any(not isinstance(v, int) or v < 0 for v in values):
        raise ValueError(f"{name} must be a non-negative int or {rank} of them, got {value!r}")
    return values


class CoordConvWrapper(nn.Module):
    """A convolution module (any ``nn.Conv*d`` / ``nn.ConvTranspose*d``, subclasses included)
    plus a coordinate term added to its output; the wrapped module's forward runs unchanged.

    Args:
        conv: the convolution (kept as ``self.conv``, with its parameters, hooks and mode).
        with_r: add the ``r`` channel (not for Fourier encodings).
        coords: the coordinate encoding (:mod:`coordconv_core.encoding`).
        coord_padding: padding of the coordinate term, per dim or one int for all, for a conv
            whose forward pads in a way neither its attributes nor the "same" split describe;
            default: the conv's own (see the module docstring). Convolutions only.

    ``forward(x, *args, **kwargs)``: ``(N, C, *s)`` -> ``conv(x, *args, **kwargs)`` of shape
    ``(N, out, *o)`` plus the ``(1, out, *o)`` coordinate term (``args`` such as a transposed
    layer's ``output_size`` go to ``conv``).

    Raises:
        ValueError: at construction for a bad ``coord_padding`` or Fourier ``with_r``; in forward
            when the output's spatial size cannot be matched (the message names
            ``coord_padding``).
    """

    coord_weight: nn.Parameter
    fourier_frequencies: torch.Tensor | None

    def __init__(
        self,
        conv: _ConvNd,
        *,
        with_r: bool = False,
        coords: str | CoordEncoding = "minus_one_one",
        coord_padding: int | Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(conv, _ConvNd):
            raise ValueError(
                f"CoordConvWrapper wraps torch convolutions, got {type(conv).__name__}"
            )
        if isinstance(conv.weight, nn.parameter.UninitializedParameter):
            raise ValueError("CoordConvWrapper: run the lazy convolution once first")
        rank = len(conv.kernel_size)
        self.conv = conv
        self.with_r = with_r
        self.coords = as_encoding(coords)
        extra = self.coords.channels(rank, with_r)
        if coord_padding is not None and conv.transposed:
            raise ValueError("coord_padding is for convolutions; a transposed one has none")
        self.coord_padding = (
            None if coord_padding is None else _per_dim(coord_padding, rank, "coord_padding")
        )
        k = tuple(conv.kernel_size)
        shape = (
            (extra, conv.out_channels, *k) if conv.transposed else (conv.out_channels, extra, *k)
        )
        factory = {"dtype": conv.weight.dtype, "device": conv.weight.device}
        self.coord_weight = nn.Parameter(torch.zeros(shape, **factory))
        register_frequencies(self, self.coords, rank, **factory)
        self.train(conv.training)

    @property
    def rank(self) -> int:
        """Number of spatial dimensions (1, 2 or 3)."""
        return len(self.conv.kernel_size)

    @property
    def extra_channels(self) -> int:
        """Number of coordinate channels."""
        return self.coords.channels(self.rank, self.with_r)

    @property
    def data_weight(self) -> torch.Tensor:
        """The wrapped convolution's weight (as stored; its forward may transform it)."""
        return self.conv.weight

    def forward(self, input: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
        out = self.conv(input, *args, **kwargs)
        if input.dim() != self.rank + 2 or out.dim() != self.rank + 2:
            raise ValueError(
                f"CoordConvWrapper({type(self.conv).__name__}) expects a {self.rank + 2}-D "
                f"channels-first batch, got shape {tuple(input.shape)}"
            )
        grid = encode_grid(
            input.shape[2:],
            self.coords,
            self.with_r,
            out.dtype,
            out.device,
            self.fourier_frequencies,
        )
        return out + self._coordinate_term(grid, tuple(input.shape[2:]), tuple(out.shape[2:]))

    def _coordinate_term(
        self, grid: torch.Tensor, spatial: tuple[int, ...], out_spatial: tuple[int, ...]
    ) -> torch.Tensor:
        conv = self.conv
        weight = self.coord_weight.to(grid.dtype)
        stride, dilation, k = conv.stride, conv.dilation, conv.kernel_size
        if conv.transposed:
            padding = tuple(int(p) for p in conv.padding)
            natural = [
                (i - 1) * s - 2 * p + d * (kk - 1) + 1
                for i, s, p, d, kk in zip(spatial, stride, padding, dilation, k, strict=True)
            ]
            output_padding = [o - n for o, n in zip(out_spatial, natural, strict=True)]
            if any(
                not 0 <= op < max(s, d)
                for op, s, d in zip(output_padding, stride, dilation, strict=True)
            ):
                raise ValueError(
                    f"CoordConvWrapper({type(conv).__name__}): output size {out_spatial} from "
                    f"input {spatial} is not one a transposed convolution with stride {stride}, "
                    f"padding {padding} and dilation {dilation} gives"
                )
            return coordinate_term(
                grid,
                weight,
                None,
                out_spatial,
                transposed=True,
                stride=stride,
                padding=padding,
                dilation=dilation,
                kernel_size=k,
                output_padding=output_padding,
            )
        reversed_padding = self._reversed_padding(spatial, out_spatial)
        return coordinate_term(
            grid,
            weight,
            None,
            out_spatial,
            transposed=False,
            stride=stride,
            padding=None if reversed_padding is not None else conv.padding,
            dilation=dilation,
            kernel_size=k,
            reversed_padding=reversed_padding or conv._reversed_padding_repeated_twice,
            padding_mode=conv.padding_mode,
            im2col=False,
        )

    def _reversed_padding(
        self, spatial: tuple[int, ...], out_spatial: tuple[int, ...]
    ) -> list[int] | None:
        """``F.pad`` amounts for the coordinate term, or ``None`` to use the conv's own padding.

        Raises ``ValueError`` when the padding asked for does not give ``out_spatial``.
        """
        conv = self.conv
        dims = list(zip(spatial, conv.stride, conv.dilation, conv.kernel_size, strict=True))

        def sizes(pairs: list[tuple[int, int]]) -> tuple[int, ...]:
            return tuple(
                (i + a + b - d * (k - 1) - 1) // s + 1
                for (i, s, d, k), (a, b) in zip(dims, pairs, strict=True)
            )

        who = f"CoordConvWrapper({type(conv).__name__})"
        if self.coord_padding is not None:
            pairs = [(p, p) for p in self.coord_padding]
            if sizes(pairs) != out_spatial:
                raise ValueError(
                    f"{who}: the wrapped forward gave spatial size {out_spatial} from input "
                    f"{spatial} but coord_padding={self.coord_padding} gives {sizes(pairs)}"
                )
            return [p for pair in reversed(pairs) for p in pair]
        pads = conv._reversed_padding_repeated_twice  # last dim first
        own = [(pads[2 * j], pads[2 * j + 1]) for j in reversed(range(len(spatial)))]
        if sizes(own) == out_spatial:
            return None
        totals = [
            (o - 1) * s + d * (k - 1) + 1 - i
            for (i, s, d, k), o in zip(dims, out_spatial, strict=True)
        ]
        if any(t < 0 for t in totals):
            raise ValueError(
                f"{who}: the wrapped forward gave spatial size {out_spatial} from input {spatial}, "
                "smaller than any padding gives with its stride, dilation and kernel; pass "
                "coord_padding"
            )
        pairs = [(t // 2, t - t // 2) for t in totals]
        return [p for pair in reversed(pairs) for p in pair]

    def extra_repr(self) -> str:
        padding = "" if self.coord_padding is None else f", coord_padding={self.coord_padding}"
        return f"with_r={self.with_r}, coords={self.coords}, extra_channels={self.extra_channels}{padding}"
