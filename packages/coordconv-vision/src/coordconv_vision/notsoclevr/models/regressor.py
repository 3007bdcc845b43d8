"""Coordinate regression models: one-hot image -> (x, y) (paper S3, table S1; DESIGN.md 5.1).

Three architectures, as in table S1 and the official code:

- :func:`conv_uniform` (best conv model on the uniform split): 3x3/16 + max-pool 2, three times,
  3x3/16, FC 64, FC 2, ReLU between.
- :func:`conv_quadrant` (best conv model on the quadrant split): 5x5 s2, 1x1, BN, 3x3, 3x3 s2,
  3x3 s2 + BN, 3x3 s2, 1x1, 3x3 s2 (16 channels each, ReLU), 3x3 to 2, global average pool. The
  official code put a ReLU before the pool; we regress coordinates in [-1, 1], which a ReLU
  output cannot reach, so the last conv is linear.
- :func:`coordconv_regressor` (906 parameters): CoordConv 1x1/8, 1x1/8, 1x1/8, 3x3/8, 3x3/2,
  global max pool. Like the official code it has no nonlinearity before the pool: the max over
  pixels is the nonlinearity (the one-hot pixel's response dominates, and the coordinate
  channels at that pixel carry (x, y) through the linear layers).

Each takes the first layer's class as ``conv_layer`` so the conv and CoordConv variants share code.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from coordconv_core import CoordConv2d

ConvLayer = Callable[..., nn.Module]


class GlobalPool(nn.Module):
    """(N, C, H, W) -> (N, C) by mean or max over the pixels."""

    def __init__(self, mode: str = "mean") -> None:
        super().__init__()
        if mode not in ("mean", "max"):
            raise ValueError(f"pool mode must be 'mean' or 'max', got {mode!r}")
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(2)  # (N, C, HW)
        return flat.amax(dim=2) if self.mode == "max" else flat.mean(dim=2)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"


def conv_uniform(size: int = 64, conv_layer: ConvLayer = nn.Conv2d) -> nn.Sequential:
    """Table S1, conv, uniform split. (N, 1, 64, 64) -> (N, 2)."""
    relu = nn.ReLU
    return nn.Sequential(
        conv_layer(1, 16, 3, padding=1), relu(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), relu(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), relu(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), relu(),
        nn.Flatten(),  # (N, 16, 8, 8) -> (N, 1024)
        nn.Linear(16 * (size // 8) ** 2, 64), relu(),
        nn.Linear(64, 2),
    )  # fmt: skip


def conv_quadrant(conv_layer: ConvLayer = nn.Conv2d) -> nn.Sequential:
    """Table S1, conv, quadrant split. (N, 1, 64, 64) -> (N, 2)."""
    relu = nn.ReLU
    return nn.Sequential(
        conv_layer(1, 16, 5, stride=2, padding=2), relu(),  # 32x32
        nn.Conv2d(16, 16, 1), relu(),
        nn.BatchNorm2d(16),
        nn.Conv2d(16, 16, 3, padding=1), relu(),
        nn.Conv2d(16, 16, 3, stride=2, padding=1), relu(),  # 16x16
        nn.Conv2d(16, 16, 3, stride=2, padding=1),  # 8x8
        nn.BatchNorm2d(16), relu(),
        nn.Conv2d(16, 16, 3, stride=2, padding=1), relu(),  # 4x4
        nn.Conv2d(16, 16, 1), relu(),
        nn.Conv2d(16, 16, 3, stride=2, padding=1), relu(),  # 2x2
        nn.Conv2d(16, 2, 3, padding=1),
        GlobalPool("mean"),
    )  # fmt: skip


def coordconv_regressor(conv_layer: ConvLayer = CoordConv2d) -> nn.Sequential:
    """Table S1, CoordConv (906 parameters). (N, 1, 64, 64) -> (N, 2)."""
    return nn.Sequential(
        conv_layer(1, 8, 1),
        nn.Conv2d(8, 8, 1),
        nn.Conv2d(8, 8, 1),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.Conv2d(8, 2, 3, padding=1),
        GlobalPool("max"),
    )
