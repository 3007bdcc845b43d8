"""Coordinate channels for CoordConv (the ``AddCoords`` layer).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), section S9.

Channel order: channel ``k`` varies along spatial dim ``rank - 1 - k`` (last dim first). For
2-D input ``(N, C, H, W)`` that is S9's order: first the channel that varies along the width
(S9's ``xx_channel``, "x"), then the one that varies along the height (``yy_channel``, "y"),
then the optional radius ``r``; for 3-D ``(N, C, D, H, W)``: x (along W), y (along H), z (along
D), r. What the channels hold is the encoding (``coords=``, :mod:`coordconv_core.encoding`); the
default, ``"minus_one_one"``, is S9's ``2 * index / (size - 1) - 1`` in [-1, 1] with
``r = sqrt(x**2 + y**2)``; a side of size 1 gives 0 (never NaN).

S9 divides ``xx_channel`` by ``x_dim - 1`` although it varies over ``y_dim`` (and vice versa), so
its values leave [-1, 1] on non-square inputs; here every channel is divided by its own side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from coordconv_core.encoding import CoordEncoding, as_encoding


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


def _axis(
    size: int, name: str, dtype: torch.dtype, device: torch.device | str | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(values, centred)`` along one side for an affine encoding, both ``(size,)``.

    ``centred`` is the value minus the side's centre (what ``r`` is made of). Each is an exact
    integer divided once: ``(2i - (s - 1) + offset) / denominator``.
    """
    if name == "minus_one_one":
        values = _axis_values(size, dtype, device)
        return values, values
    numerator = torch.arange(1 - size, size, 2, dtype=dtype, device=device)  # 2i - (s - 1)
    side = max(size - 1, 1)
    if name == "pixels":  # i = (2i - (s - 1) + (s - 1)) / 2
        return (numerator + (size - 1)) / 2, numerator / 2
    centred = numerator / (2 * side)  # i / (s - 1) - 1/2
    if name == "minus_half_half":
        return centred, centred
    return (numerator + side) / (2 * side), centred  # zero_one: i / (s - 1); size 1: 1/2


def _fourier(
    axes: list[torch.Tensor], encoding: CoordEncoding, frequencies: torch.Tensor | None
) -> list[torch.Tensor]:
    """``[cos(2 pi B v)..., sin(2 pi B v)...]`` channels from the ``zero_one`` axes ``v``."""
    v = torch.stack(axes)  # (rank, *spatial), x first
    if encoding.sigma is None:  # axis-aligned powers of two: no matrix product needed
        powers = torch.arange(-1, encoding.num_frequencies - 1, dtype=v.dtype, device=v.device)
        scales = (2.0**powers).view(1, -1, *[1] * (v.dim() - 1))  # (1, m, 1, ...)
        cycles = (v.unsqueeze(1) * scales).flatten(0, 1)  # (rank * m, *spatial), exact
    else:
        if frequencies is None:
            raise ValueError("random Fourier features need their frequency matrix")
        cycles = torch.tensordot(
            frequencies.to(dtype=v.dtype, device=v.device), v, dims=1
        )  # (m, *spatial)
    angle = cycles * (2 * math.pi)
    return [*torch.cos(angle), *torch.sin(angle)]


def encode_grid(
    spatial: Sequence[int],
    encoding: CoordEncoding,
    with_r: bool,
    dtype: torch.dtype,
    device: torch.device | str | None,
    frequencies: torch.Tensor | None = None,
) -> torch.Tensor:
    """:func:`coordinate_grid` with a parsed encoding and, for random Fourier features, ``B``."""
    spatial = tuple(int(s) for s in spatial)
    rank = len(spatial)
    if rank < 1:
        raise ValueError("coordinate_grid needs at least one spatial dimension")
    if not dtype.is_floating_point:
        raise TypeError(f"coordinate channels need a floating dtype, got {dtype}")
    encoding.check_with_r(with_r)
    # Compute in at least float32 (bf16/fp16 cannot hold large indices exactly), then cast.
    compute = torch.promote_types(dtype, torch.float32)
    name = "zero_one" if encoding.is_fourier else encoding.name
    channels, centred = [], []
    for dim in reversed(range(rank)):
        shape = [1] * rank
        shape[dim] = spatial[dim]
        values, offsets = _axis(spatial[dim], name, compute, device)
        channels.append(values.view(shape).expand(spatial))
        centred.append(offsets.view(shape).expand(spatial))
    if encoding.is_fourier:
        channels = _fourier(channels, encoding, frequencies)
    elif with_r:
        # squares[0] + squares[1] + ...: the values sum() gives from its start of 0 (squares
        # are never -0.0, so adding 0 first changed no bit)
        squares = [c * c for c in centred]
        channels.append(torch.sqrt(sum(squares[1:], squares[0])))
    return torch.stack(channels).to(dtype)  # (channels, *spatial)


def coordinate_grid(
    spatial: Sequence[int],
    *,
    with_r: bool = False,
    coords: str | CoordEncoding = "minus_one_one",
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Coordinate channels for one sample, shape ``(channels, *spatial)``.

    ``spatial`` is ``(L,)``, ``(H, W)`` or ``(D, H, W)``. Channel ``k < rank`` varies along spatial
    dim ``rank - 1 - k`` (x, along the last dim, first; as in S9); channel ``rank`` (if
    ``with_r``) is the distance to the centre. ``coords`` picks the values
    (:mod:`coordconv_core.encoding`); ``channels = CoordEncoding.channels(rank, with_r)``, e.g.
    ``rank + with_r`` for the default. Built directly on ``device`` (no host-to-device copy,
    except a random Fourier matrix, drawn on the CPU).
    """
    encoding = as_encoding(coords)
    frequencies = encoding.frequency_matrix(len(spatial)) if encoding.is_random else None
    return encode_grid(spatial, encoding, with_r, dtype, device, frequencies)


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


def append_grid(x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """``cat([x, grid])`` along channels: ``(N, C, *s)`` and ``(extra, *s)`` -> ``(N, C + extra, *s)``."""
    grid = grid.unsqueeze(0).expand(x.shape[0], *grid.shape)  # (N, extra, *spatial), no copy
    return torch.cat([x, grid], dim=1)


def add_coords(
    x: torch.Tensor, with_r: bool = False, coords: str | CoordEncoding = "minus_one_one"
) -> torch.Tensor:
    """Append coordinate channels to channels-first ``x`` of shape ``(N, C, *spatial)``.

    Returns ``(N, C + channels, *spatial)`` in ``x``'s dtype and device, ``channels`` as in
    :func:`coordinate_grid` (``rank + with_r`` for the default ``coords``); the rank (1, 2 or 3) is
    taken from ``x``.
    """
    _check_input(x, None, "add_coords")
    grid = coordinate_grid(
        x.shape[2:], with_r=with_r, coords=coords, dtype=x.dtype, device=x.device
    )
    return append_grid(x, grid)


class AddCoords(nn.Module):
    """Module form of :func:`add_coords` for a fixed spatial rank (1, 2 or 3).

    ``(N, C, *spatial)`` -> ``(N, C + extra_channels, *spatial)``. A random Fourier encoding's
    matrix is drawn once and kept as the buffer ``fourier_frequencies`` ``(m, rank)``.
    """

    fourier_frequencies: torch.Tensor | None

    def __init__(
        self, rank: int, with_r: bool = False, coords: str | CoordEncoding = "minus_one_one"
    ) -> None:
        super().__init__()
        if rank not in (1, 2, 3):
            raise ValueError(f"rank must be 1, 2 or 3, got {rank}")
        self.rank = rank
        self.with_r = with_r
        self.coords = as_encoding(coords)
        self.coords.check_with_r(with_r)
        register_frequencies(self, self.coords, rank, torch.get_default_dtype(), None)

    @property
    def extra_channels(self) -> int:
        """Number of channels appended (``rank + with_r`` for the default ``coords``)."""
        return self.coords.channels(self.rank, self.with_r)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.rank, f"AddCoords(rank={self.rank})")
        grid = encode_grid(
            x.shape[2:], self.coords, self.with_r, x.dtype, x.device, self.fourier_frequencies
        )
        return append_grid(x, grid)

    def extra_repr(self) -> str:
        return f"rank={self.rank}, with_r={self.with_r}, coords={self.coords}"


def register_frequencies(
    module: nn.Module,
    encoding: CoordEncoding,
    rank: int,
    dtype: torch.dtype | None,
    device: torch.device | str | None,
) -> None:
    """Give ``module`` the attribute ``fourier_frequencies``: the random Fourier ``B``
    ``(m, rank)`` as a (saved) buffer, or ``None`` for every other encoding."""
    if not encoding.is_random:
        module.fourier_frequencies = None
        return
    b = encoding.frequency_matrix(rank).to(dtype=dtype, device=device)
    module.register_buffer("fourier_frequencies", b)
