"""Coordinate regression models: one-hot image -> (x, y) (paper S3, table S1; docs/architecture.md).

Three architectures as in table S1 and the official code, and one of ours:

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
- :func:`coordconv_softargmax_regressor` (908 parameters, NOT the paper's model): the same five
  layers read out by a soft-argmax (:class:`SoftArgmax2d`) instead of the max pool. Every pixel
  gets gradient, not only the arg-max one; the paper's 906-parameter model generalised perfectly
  for only 1-4 of 10 seeds here (package README).

All are initialised as the official code's layers (:func:`official_init_`: TF/Keras he_normal
kernels, zero biases). Each takes the first layer's class as ``conv_layer`` so the conv and
CoordConv variants share code.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_vision.notsoclevr.models.linear_stack import LinearConvStack
from coordconv_vision.notsoclevr.models.softargmax import SoftArgmax2d

ConvLayer = Callable[..., nn.Module]
# scipy.stats.truncnorm.std(a=-2, b=2): the std of a unit normal truncated at 2 std, which
# TF/Keras divide by so that the truncated draw has the intended std (VarianceScaling)
TRUNCATED_NORMAL_STD = 0.87962566103423978


def tf_he_normal_(weight: torch.Tensor) -> torch.Tensor:
    """TF/Keras ``he_normal``: truncated normal (at 2 std), std ``sqrt(2 / fan_in) / 0.8796...``.

    ``fan_in`` = input channels x kernel area; the weight is ``(out, in, *kernel)`` (torch layout).
    """
    fan_in = weight[0].numel()
    std = math.sqrt(2.0 / fan_in) / TRUNCATED_NORMAL_STD
    with torch.no_grad():
        return nn.init.trunc_normal_(weight, 0.0, std, -2.0 * std, 2.0 * std)


def official_init_(model: nn.Module) -> nn.Module:
    """Initialise as the official code's ``tf.layers``: conv kernels ``he_normal`` (every conv of
    ``ConvRegressor`` passes ``kernel_initializer=he_normal``), dense kernels ``glorot_uniform``
    (the ``Dense`` default), all biases zero. BatchNorm keeps scale 1, shift 0."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            tf_he_normal_(module.weight)
        elif isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
        else:
            continue
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    return model


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
    model = nn.Sequential(
        conv_layer(1, 16, 3, padding=1), relu(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), relu(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), relu(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), relu(),
        nn.Flatten(),  # (N, 16, 8, 8) -> (N, 1024)
        nn.Linear(16 * (size // 8) ** 2, 64), relu(),
        nn.Linear(64, 2),
    )  # fmt: skip
    return official_init_(model)


def conv_quadrant(conv_layer: ConvLayer = nn.Conv2d) -> nn.Sequential:
    """Table S1, conv, quadrant split. (N, 1, 64, 64) -> (N, 2)."""
    relu = nn.ReLU
    model = nn.Sequential(
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
    return official_init_(model)


def _coordconv_stack(conv_layer: ConvLayer) -> LinearConvStack:
    """Table S1's CoordConv layers: 1x1/8, 1x1/8, 1x1/8, 3x3/8, 3x3/2, no nonlinearity (904 params)."""
    return LinearConvStack(
        conv_layer(1, 8, 1),
        nn.Conv2d(8, 8, 1),
        nn.Conv2d(8, 8, 1),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.Conv2d(8, 2, 3, padding=1),
    )


def coordconv_regressor(conv_layer: ConvLayer = CoordConv2d) -> nn.Sequential:
    """Table S1, CoordConv (906 parameters), global max pool. (N, 1, 64, 64) -> (N, 2)."""
    return official_init_(nn.Sequential(_coordconv_stack(conv_layer), GlobalPool("max")))


def coordconv_softargmax_regressor(conv_layer: ConvLayer = CoordConv2d) -> nn.Sequential:
    """Ours, not the paper's: table S1's CoordConv layers read out by :class:`SoftArgmax2d`
    (906 + 2 offset parameters). (N, 1, 64, 64) -> (N, 2) in [-1, 1].

    The layers map the one-hot image to two logit maps with a peak at the set pixel
    (translation-equivariant); the read-out is the softmax-weighted mean of the coordinate
    channels, so the position is read from where the peak is, as CoordConv reads it from its
    coordinate channels.
    """
    return official_init_(nn.Sequential(_coordconv_stack(conv_layer), SoftArgmax2d()))
