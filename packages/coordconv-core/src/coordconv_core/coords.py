"""Coordinate channels for CoordConv (the ``AddCoords`` layer).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), section S9.

Each spatial dimension gets one channel holding ``2 * index / (size - 1) - 1`` in [-1, 1]; a
side of size 1 gives 0 (never NaN). For 2-D input the channel order is S9's: first the channel
that varies along the width (S9's ``xx_channel``, "x"), then the one that varies along the height
(``yy_channel``, "y"), then the optional radius ``r = sqrt(x**2 + y**2)``. In general channel ``k``
varies along spatial dim ``rank - 1 - k`` (last dim first).

S9 divides ``xx_channel`` by ``x_dim - 1`` although it varies over ``y_dim`` (and vice versa), so
its values leave [-1, 1] on non-square inputs; here every channel is divided by its own side.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def _axis_values(size: int, dtype: torch.dtype, device: torch.device | str | None) -> torch.Tensor:
    """``(size,)`` values ``2 * i / (size - 1) - 1``, written ``(2i - (size-1)) / (size-1)``.

    The numerator is an exact integer, so each value is one correctly rounded division (the
    hand-computable grid -1, -1/3, 1/3, 1 comes out exact), and ``size == 1`` gives ``0 / 1 = 0``
    without a data-dependent branch (keeps ``torch.compile``/``torch.export`` graphs simple).
    """
    # Compute in at least float32 (bf16/fp16 cannot hold large indices exactly), then cast.
    compute = torch.promote_types(dtype, torch.float32)
    numerator = torch.arange(1 - size, size, 2, dtype=compute, device=device)  # 2i - (size - 1)
    return (numerator / max(size - 1, 1)).to(dtype)


def coordinate_grid(
    spatial: Sequence[int],
    *,
    with_r: bool = False,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Coordinate channels for one sample, shape ``(rank + with_r, *spatial)``.

    Channel ``k < rank`` varies along spatial dim ``rank - 1 - k`` (x before y for 2-D, as in
    S9); channel ``rank`` (if ``with_r``) is the Euclidean norm of the others. Built directly on
    ``device`` (no host-to-device copy).
    """
    spatial = tuple(int(s) for s in spatial)
    rank = len(spatial)
    if rank < 1:
        raise ValueError("coordinate_grid needs at least one spatial dimension")
    if not dtype.is_floating_point:
        raise TypeError(f"coordinate channels need a floating dtype, got {dtype}")
    compute = torch.promote_types(dtype, torch.float32)
    channels = []
    for dim in reversed(range(rank)):
        shape = [1] * rank
        shape[dim] = spatial[dim]
        channels.append(_axis_values(spatial[dim], compute, device).view(shape).expand(spatial))
    if with_r:
        # squares[0] + squares[1] + ...: the values sum() gives from its start of 0 (squares
        # are never -0.0, so adding 0 first changed no bit)
        squares = [c * c for c in channels]
        channels.append(torch.sqrt(sum(squares[1:], squares[0])))
    return torch.stack(channels).to(dtype)  # (rank + with_r, *spatial)


def _check_input(x: torch.Tensor, rank: int | None, who: str) -> None:
    if x.dim() < 3 or (rank is not None and x.dim() != rank + 2):
        want = "(N, C, *spatial) with 1 to 3 spatial dims" if rank is None else f"{rank + 2}-D"
        raise ValueError(
            f"{who} expects a {want} channels-first batch, got shape {tuple(x.shape)} "
            "(add a batch dim with x.unsqueeze(0) for a single sample)"
        )
    if rank is None and x.dim() > 5:
        raise ValueError(f"{who} supports 1 to 3 spatial dims, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{who} needs a floating input, got {x.dtype} (convert with x.float())")


def add_coords(x: torch.Tensor, with_r: bool = False) -> torch.Tensor:
    """Append coordinate channels to channels-first ``x`` of shape ``(N, C, *spatial)``.

    Returns ``(N, C + rank + with_r, *spatial)`` in ``x``'s dtype and device; the rank (1, 2 or
    3) is taken from ``x``.
    """
    _check_input(x, None, "add_coords")
    grid = coordinate_grid(x.shape[2:], with_r=with_r, dtype=x.dtype, device=x.device)
    grid = grid.unsqueeze(0).expand(x.shape[0], *grid.shape)  # (N, extra, *spatial), no copy
    return torch.cat([x, grid], dim=1)


class AddCoords(nn.Module):
    """Module form of :func:`add_coords` for a fixed spatial rank (1, 2 or 3)."""

    def __init__(self, rank: int, with_r: bool = False) -> None:
        super().__init__()
        if rank not in (1, 2, 3):
            raise ValueError(f"rank must be 1, 2 or 3, got {rank}")
        self.rank = rank
        self.with_r = with_r

    @property
    def extra_channels(self) -> int:
        """Number of channels appended: ``rank + with_r``."""
        return self.rank + int(self.with_r)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.rank, f"AddCoords(rank={self.rank})")
        return add_coords(x, with_r=self.with_r)

    def extra_repr(self) -> str:
        return f"rank={self.rank}, with_r={self.with_r}"
