"""Coordinate channels for CoordConv.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), section S9 (the ``AddCoords`` layer).

Each spatial dimension gets one channel holding ``2 * index / (size - 1) - 1`` (a size of 1
gives 0). For 2-D input the order is S9's: first the channel that varies along the width
(``xx_channel``), then the one that varies along the height (``yy_channel``), then r.
"""

from __future__ import annotations

import torch
from torch import nn


def coordinate_grid(
    spatial: tuple[int, ...],
    *,
    with_r: bool = False,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Coordinate channels for one sample, shape ``(extra, *spatial)``.

    ``extra = len(spatial) + with_r``. Channel ``k`` varies along spatial dim
    ``len(spatial) - 1 - k`` (last dim first: x before y for 2-D, as in S9).
    """
    channels = []
    for dim in reversed(range(len(spatial))):
        size = spatial[dim]
        line = torch.arange(size, dtype=dtype, device=device)
        line = line * (2.0 / (size - 1)) - 1.0 if size > 1 else torch.zeros_like(line)
        shape = [1] * len(spatial)
        shape[dim] = size
        channels.append(line.view(shape).expand(spatial))
    if with_r:
        channels.append(torch.sqrt(sum(c * c for c in channels)))
    return torch.stack(channels)


def add_coords(x: torch.Tensor, with_r: bool = False) -> torch.Tensor:
    """Append coordinate channels to channels-first ``x`` of shape ``(N, C, *spatial)``.

    Returns ``(N, C + rank + with_r, *spatial)`` in ``x``'s dtype and device.
    """
    if x.dim() < 3:
        raise ValueError(
            f"add_coords expects (N, C, *spatial) with at least one spatial dim, got shape {tuple(x.shape)}"
        )
    grid = coordinate_grid(tuple(x.shape[2:]), with_r=with_r, dtype=x.dtype, device=x.device)
    grid = grid.unsqueeze(0).expand(x.shape[0], *grid.shape)
    return torch.cat([x, grid], dim=1)


class AddCoords(nn.Module):
    """Module form of :func:`add_coords` for a fixed spatial rank (1, 2 or 3)."""

    def __init__(self, rank: int, with_r: bool = False) -> None:
        super().__init__()
        if rank not in (1, 2, 3):
            raise ValueError(f"rank must be 1, 2 or 3, got {rank}")
        self.rank = rank
        self.with_r = with_r

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != self.rank + 2:
            raise ValueError(
                f"AddCoords(rank={self.rank}) expects a {self.rank + 2}-D tensor (N, C, *spatial), "
                f"got shape {tuple(x.shape)}"
            )
        return add_coords(x, with_r=self.with_r)

    def extra_repr(self) -> str:
        return f"rank={self.rank}, with_r={self.with_r}"
