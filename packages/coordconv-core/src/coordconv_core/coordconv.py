"""CoordConv layers: drop-in subclasses of ``nn.Conv*d`` / ``nn.ConvTranspose*d``.

Liu et al., NeurIPS 2018 (arXiv:1807.03247), section 3 and S9: a convolution over the input
concatenated with coordinate channels. ``in_channels`` is the number of data channels; the weight
covers data + coordinate channels, shape ``(out, in + extra, *k)``.
"""

from __future__ import annotations

import torch
from torch import nn

from coordconv_core.coords import add_coords


class _CoordConvMixin:
    """Shared forward for every CoordConv layer (naive: concatenate, then convolve)."""

    rank: int
    with_r: bool
    data_channels: int

    def _init_coords(self, rank: int, in_channels: int, with_r: bool, groups: int) -> int:
        if groups != 1:
            raise ValueError(
                f"CoordConv with groups={groups} is not supported: the coordinate channels "
                "belong to no group (use groups=1)"
            )
        self.rank = rank
        self.with_r = with_r
        self.data_channels = in_channels
        return in_channels + rank + int(with_r)

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        if x.dim() != self.rank + 2:
            raise ValueError(
                f"{type(self).__name__} expects a {self.rank + 2}-D input (N, C, *spatial), "
                f"got shape {tuple(x.shape)}"
            )
        if x.shape[1] != self.data_channels:
            raise ValueError(
                f"{type(self).__name__} expects {self.data_channels} data channels, got {x.shape[1]}"
            )
        return super().forward(add_coords(x, self.with_r), *args, **kwargs)  # type: ignore[misc]


def _make(base: type[nn.Module], rank: int) -> type[nn.Module]:
    class Layer(_CoordConvMixin, base):  # type: ignore[misc, valid-type]
        def __init__(self, in_channels: int, out_channels: int, *args, with_r: bool = False, **kwargs):
            total = self._init_coords(rank, in_channels, with_r, kwargs.get("groups", 1))
            super().__init__(total, out_channels, *args, **kwargs)

        def extra_repr(self) -> str:
            return f"{super().extra_repr()}, with_r={self.with_r}"

    return Layer


CoordConv1d = _make(nn.Conv1d, 1)
CoordConv2d = _make(nn.Conv2d, 2)
CoordConv3d = _make(nn.Conv3d, 3)
CoordConvTranspose1d = _make(nn.ConvTranspose1d, 1)
CoordConvTranspose2d = _make(nn.ConvTranspose2d, 2)
CoordConvTranspose3d = _make(nn.ConvTranspose3d, 3)
for _cls, _name in [
    (CoordConv1d, "CoordConv1d"),
    (CoordConv2d, "CoordConv2d"),
    (CoordConv3d, "CoordConv3d"),
    (CoordConvTranspose1d, "CoordConvTranspose1d"),
    (CoordConvTranspose2d, "CoordConvTranspose2d"),
    (CoordConvTranspose3d, "CoordConvTranspose3d"),
]:
    _cls.__name__ = _cls.__qualname__ = _name
