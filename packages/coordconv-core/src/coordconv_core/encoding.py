"""Coordinate encodings: what the coordinate channels hold (the ``coords=`` argument).

Every layer, :func:`~coordconv_core.coords.coordinate_grid`, :func:`~coordconv_core.coords.add_coords`
and :class:`~coordconv_core.coords.AddCoords` take ``coords``: one of the names below or a
:class:`CoordEncoding` (needed only to set Fourier options). ``i`` is the index along one spatial
side of size ``s``; every value is computed from exact integers with one rounding.

- ``"minus_one_one"`` (default, the paper's S9): ``2 i / (s - 1) - 1`` in [-1, 1];
  ``r = sqrt(x**2 + y**2 + ...)``, the distance to the centre (the paper's ``r``).
- ``"minus_half_half"``: ``i / (s - 1) - 1/2`` in [-1/2, 1/2], the values of MONAI's
  ``AddCoordinateChannels`` (``linspace(-0.5, 0.5, s)``; MONAI orders the channels first spatial
  dim first and puts a size-1 side at -1/2); ``r`` as above, in these units (half the default's).
- ``"zero_one"``: ``i / (s - 1)`` in [0, 1]; ``r`` is the distance to the centre (1/2, 1/2, ...),
  so again half the default's ``r``.
- ``"pixels"``: ``i`` itself; ``r`` is the distance in pixels to the centre
  ``((s_x - 1) / 2, (s_y - 1) / 2, ...)``.
- ``"fourier"``: ``cos`` and ``sin`` of ``2 pi B v`` (below); no ``r``.

So ``r`` is always the Euclidean distance from the input's centre in the encoding's units, and a
side of size 1 (which carries no position) sits at its centre, never NaN.

Fourier features (Tancik et al., "Fourier features let networks learn high frequency functions in
low dimensional domains", NeurIPS 2020, arXiv:2006.10739): with ``v`` the ``zero_one``
coordinates (a vector of ``rank`` values per position, in channel order: x first) and a frequency
matrix ``B`` of shape ``(m, rank)`` (in cycles per side), the channels are
``[cos(2 pi B v), sin(2 pi B v)]``, all cosines first, ``2 m`` channels:

- fixed (``sigma=None``, the default): axis-aligned powers of two, ``num_frequencies`` per axis:
  ``2 ** (j - 1)`` for ``j = 0 .. num_frequencies - 1`` (1/2, 1, 2, 4, ... cycles per side), rows
  ordered axis by axis (x first), frequency ascending; ``m = rank * num_frequencies``. The lowest
  pair ``(cos pi v, sin pi v)`` turns half a circle across the side, so it alone tells every
  position apart (no wrap-around between opposite edges); each next pair doubles the resolution.
- random Gaussian (``sigma=σ``): ``B`` has ``m = num_frequencies`` rows drawn from
  ``N(0, σ²)`` by a CPU ``torch.Generator`` seeded with ``seed`` (float64, then stored by the layer
  as the buffer ``fourier_frequencies``, saved in its ``state_dict``). σ is the knob Tancik et al. tune
  per task: too small blurs, too large fits noise with high-frequency artefacts.

The ``r`` channel has no meaning for Fourier features (they are not a position in space), so
``with_r=True`` with ``fourier`` raises ``ValueError``.

The channel count follows from the encoding: :meth:`CoordEncoding.channels`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch

EncodingName = Literal["minus_one_one", "minus_half_half", "zero_one", "pixels", "fourier"]
ENCODINGS: tuple[str, ...] = ("minus_one_one", "minus_half_half", "zero_one", "pixels", "fourier")
"""The names ``coords`` accepts; the first is the default (the paper's)."""


@dataclass(frozen=True)
class CoordEncoding:
    """Which values the coordinate channels hold; see the module docstring for each.

    Args:
        name: one of :data:`ENCODINGS`.
        num_frequencies: Fourier only: frequencies per axis (fixed) or rows of ``B`` (random).
        sigma: Fourier only: ``None`` for the fixed powers of two, or the standard deviation (in
            cycles per side) of the random Gaussian ``B``.
        seed: Fourier with ``sigma`` only: seed of the generator that draws ``B``.

    Raises:
        ValueError: for an unknown name, a Fourier option on another encoding, or a
            non-positive ``num_frequencies`` / ``sigma``.
    """

    name: EncodingName = "minus_one_one"
    num_frequencies: int = 4
    sigma: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.name not in ENCODINGS:
            raise ValueError(f"coords must be one of {', '.join(ENCODINGS)}, got {self.name!r}")
        if self.name != "fourier":
            if (self.num_frequencies, self.sigma, self.seed) != (4, None, 0):
                raise ValueError(
                    f"num_frequencies, sigma and seed apply to coords='fourier' only, not "
                    f"{self.name!r}"
                )
            return
        if isinstance(self.num_frequencies, bool) or not isinstance(self.num_frequencies, int):
            raise ValueError(f"num_frequencies must be an int, got {self.num_frequencies!r}")
        if not 1 <= self.num_frequencies <= 64:
            raise ValueError(f"num_frequencies must be in 1..64, got {self.num_frequencies}")
        if self.sigma is not None and not (math.isfinite(self.sigma) and self.sigma > 0):
            raise ValueError(f"sigma must be a positive finite number or None, got {self.sigma}")

    @property
    def is_fourier(self) -> bool:
        return self.name == "fourier"

    @property
    def is_random(self) -> bool:
        """Fourier features with a random Gaussian ``B`` (the layer stores ``B`` as a buffer)."""
        return self.is_fourier and self.sigma is not None

    def check_with_r(self, with_r: bool) -> None:
        """``ValueError`` if ``with_r`` is asked of an encoding without an ``r`` channel."""
        if with_r and self.is_fourier:
            raise ValueError(
                "with_r=True has no meaning for coords='fourier' (Fourier features are not a "
                "position, so there is no distance to the centre); use with_r=False"
            )

    def channels(self, rank: int, with_r: bool = False) -> int:
        """Number of coordinate channels for ``rank`` spatial dims (checks ``with_r``)."""
        self.check_with_r(with_r)
        if not self.is_fourier:
            return rank + int(with_r)
        return 2 * (self.num_frequencies if self.is_random else rank * self.num_frequencies)

    def frequency_matrix(self, rank: int) -> torch.Tensor:
        """Fourier ``B``: ``(m, rank)`` float64 on the CPU, in cycles per side (columns: x first)."""
        if not self.is_fourier:
            raise ValueError(f"coords={self.name!r} has no frequencies (only 'fourier' has)")
        if self.sigma is None:
            powers = 2.0 ** torch.arange(-1, self.num_frequencies - 1, dtype=torch.float64)
            return torch.kron(torch.eye(rank, dtype=torch.float64), powers[:, None])
        generator = torch.Generator().manual_seed(self.seed)
        b = torch.randn(self.num_frequencies, rank, generator=generator, dtype=torch.float64)
        return b * self.sigma

    def __str__(self) -> str:
        """Short form for ``repr``: the name, plus the Fourier options when they matter."""
        if not self.is_fourier:
            return self.name
        extra = "" if self.sigma is None else f", sigma={self.sigma}, seed={self.seed}"
        return f"fourier(num_frequencies={self.num_frequencies}{extra})"


def as_encoding(coords: str | CoordEncoding) -> CoordEncoding:
    """``coords`` as a :class:`CoordEncoding` (a name gets that encoding's defaults)."""
    if isinstance(coords, CoordEncoding):
        return coords
    if not isinstance(coords, str):
        raise ValueError(f"coords must be a name or a CoordEncoding, got {coords!r}")
    return CoordEncoding(coords)  # type: ignore[arg-type]  # validated in __post_init__
