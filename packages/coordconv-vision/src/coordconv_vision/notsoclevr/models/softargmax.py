"""Soft-argmax read-out: a map over pixels -> the expected (x, y) of its softmax, plus an offset.

Our replacement for the global max pool of the paper's CoordConv regressor (table S1, S3; see
:func:`coordconv_vision.notsoclevr.models.regressor.coordconv_softargmax_regressor` and the
package README). Channel 0 of the map is a logit per pixel for x, channel 1 for y; each is turned
into a softmax over the H x W pixels and read out as the expected value of the coordinate channel
of :func:`coordconv_core.coordinate_grid` (x varies along the width, y along the height, both in
[-1, 1]: ``2 * index / (size - 1) - 1``, the targets' convention). That is a global pooling of the
map times the coordinate channels CoordConv adds; it has no weights.

The learned ``offset`` (2 parameters) is added to the result. Without it the read-out can lock one
or two pixels off: the stack's response to the one-hot pixel is a 5x5 kernel whose largest value
need not be its centre, training sharpens the softmax (large logits) until all its mass sits on
that largest value, and a saturated softmax passes almost no gradient, so the prediction stays
exactly ``(dx, dy)`` pixels off for every image (measured: 1, 1.41 and 2 px on 3 of 6 seeds).
A constant offset is the one correction the read-out cannot otherwise make, and its gradient does
not pass through the softmax.
"""

from __future__ import annotations

import torch
from torch import nn

from coordconv_core import coordinate_grid


class SoftArgmax2d(nn.Module):
    """(N, 2, H, W) logits -> (N, 2) expected (x, y) in [-1, 1], plus a learned offset."""

    def __init__(self, offset: bool = True) -> None:
        super().__init__()
        self.offset = nn.Parameter(torch.zeros(2)) if offset else None

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        if logits.dim() != 4 or logits.shape[1] != 2:
            raise ValueError(f"SoftArgmax2d expects (N, 2, H, W) logits, got {tuple(logits.shape)}")
        flat = logits.flatten(2).float()  # (N, 2, HW); softmax in fp32 under autocast
        grid = coordinate_grid(logits.shape[2:], device=logits.device).flatten(1)  # (2, HW) x, y
        xy = (flat.softmax(dim=2) * grid).sum(dim=2)  # (N, 2)
        return xy if self.offset is None else xy + self.offset

    def extra_repr(self) -> str:
        return f"offset={self.offset is not None}"
