"""Grouped and depthwise CoordConv layers (1-, 2-, 3-D, transposed) in float64, values and gradients.

Two references, both with the coordinates materialised for the whole batch:

- concatenation: torch's grouped convolution over the input with the coordinate channels inserted
  after each group's channels, with the layer's own weight (the documented meaning of the layout);
- separate convolutions: the grouped data convolution plus a dense (``groups=1``) convolution of
  the coordinates, with the weight blocks cut out of the layer's weight by explicit indexing.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from coordconv_core import (
    CoordConv1d,
    CoordConv2d,
    CoordConv3d,
    CoordConvTranspose1d,
    CoordConvTranspose2d,
    CoordEncoding,
    coordinate_grid,
)
from coordconv_core.coordconv import COORDCONV_FOR

RANKS = (1, 2, 3)
CONV = {r: COORDCONV_FOR[getattr(nn, f"Conv{r}d")] for r in RANKS}
TRANSPOSED = {r: COORDCONV_FOR[getattr(nn, f"ConvTranspose{r}d")] for r in RANKS}
F_CONV = {r: getattr(F, f"conv{r}d") for r in RANKS}
F_CONV_T = {r: getattr(F, f"conv_transpose{r}d") for r in RANKS}
F64 = torch.float64


def batch_grid(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``(N, extra, *spatial)`` coordinates for ``x``, materialised for every sample."""
    grid = coordinate_grid(x.shape[2:], with_r=layer.with_r, coords=layer.coords, dtype=x.dtype)
    return grid.expand(x.shape[0], *grid.shape).contiguous()


def pad_input(layer: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, Any]:
    """``x`` padded as torch pads for a non-zeros ``padding_mode`` (else the padding to pass)."""
    if layer.transposed or layer.padding_mode == "zeros":
        return x, layer.padding
    return F.pad(x, layer._reversed_padding_repeated_twice, mode=layer.padding_mode), 0


def output_padding(layer: nn.Module, x: torch.Tensor, kw: dict[str, Any]) -> list[int]:
    """What a transposed layer computes for ``x`` (and ``output_size`` if given)."""
    return layer._output_padding(
        x,
        kw.get("output_size"),
        layer.stride,
        layer.padding,
        layer.kernel_size,
        x.dim() - 2,
        layer.dilation,
    )


def concatenation_reference(layer: nn.Module, x: torch.Tensor, **kw: Any) -> torch.Tensor:
    g, rank = layer.groups, x.dim() - 2
    coords = batch_grid(layer, x)
    per_group = x.reshape(x.shape[0], g, -1, *x.shape[2:])
    copies = coords.unsqueeze(1).expand(-1, g, *coords.shape[1:])
    xc = torch.cat([per_group, copies], dim=2).flatten(1, 2)  # (N, in + g * extra, *s)
    if layer.transposed:
        op = output_padding(layer, x, kw)
        return F_CONV_T[rank](
            xc, layer.weight, layer.bias, layer.stride, layer.padding, op, g, layer.dilation
        )
    xc, padding = pad_input(layer, xc)
    return F_CONV[rank](xc, layer.weight, layer.bias, layer.stride, padding, layer.dilation, g)


def separate_reference(layer: nn.Module, x: torch.Tensor, **kw: Any) -> torch.Tensor:
    g, rank, c = layer.groups, x.dim() - 2, layer.data_channels // layer.groups
    extra, w = layer.extra_channels, layer.weight
    coords = batch_grid(layer, x)
    if layer.transposed:  # rows per group: c data rows, then extra coordinate rows
        step = c + extra
        w_data = torch.cat([w[j * step : j * step + c] for j in range(g)])
        w_coord = torch.cat([w[j * step + c : (j + 1) * step] for j in range(g)], dim=1)
        op = output_padding(layer, x, kw)
        args = (layer.stride, layer.padding, op)
        data = F_CONV_T[rank](x, w_data, None, *args, g, layer.dilation)
        return data + F_CONV_T[rank](coords, w_coord, layer.bias, *args, 1, layer.dilation)
    x, padding = pad_input(layer, x)
    coords, _ = pad_input(layer, coords)
    args = (layer.stride, padding, layer.dilation)
    data = F_CONV[rank](x, w[:, :c], None, *args, g)
    return data + F_CONV[rank](coords, w[:, c:], layer.bias, *args, 1)


def check(layer: nn.Module, x: torch.Tensor, **kw: Any) -> None:
    """The layer equals both references, in value and in every gradient (float64)."""
    params = list(layer.parameters())
    x = x.requires_grad_(True)
    out = layer(x, **kw)
    grad = torch.randn_like(out)
    got = torch.autograd.grad(out, [x, *params], grad)
    for reference in (concatenation_reference, separate_reference):
        ref = reference(layer, x, **kw)
        torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-10)
        want = torch.autograd.grad(ref, [x, *params], grad)
        for a, b in zip(got, want, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


CONV_CASES = [
    # rank, in, out, spatial, kwargs
    (1, 4, 6, (9,), {"kernel_size": 3, "groups": 2, "padding": 1, "padding_mode": "reflect"}),
    (1, 3, 6, (7,), {"kernel_size": 3, "groups": 3, "stride": 2, "with_r": True}),  # depthwise x2
    (2, 6, 4, (5, 7), {"kernel_size": 3, "groups": 2, "padding": 1, "with_r": True}),
    (2, 4, 4, (6, 5), {"kernel_size": 3, "groups": 4, "padding": "same", "dilation": 2}),
    (
        2,
        4,
        8,
        (6, 5),
        {
            "kernel_size": (3, 1),
            "groups": 4,
            "stride": 2,
            "padding": 1,
            "padding_mode": "circular",
            "bias": False,
        },
    ),
    (2, 2, 32, (4, 6), {"kernel_size": 1, "groups": 2}),  # thin pointwise: no concatenating path
    (2, 4, 4, (5, 6), {"kernel_size": 3, "groups": 4, "padding": 1, "coords": "pixels"}),
    (
        3,
        4,
        4,
        (3, 4, 5),
        {"kernel_size": 3, "groups": 4, "padding": 1, "padding_mode": "replicate", "with_r": True},
    ),
    (3, 4, 6, (4, 3, 5), {"kernel_size": 2, "groups": 2, "coords": CoordEncoding("fourier", 1)}),
]


@pytest.mark.parametrize(("rank", "cin", "cout", "spatial", "kwargs"), CONV_CASES)
def test_grouped_conv_equals_references(
    rank: int, cin: int, cout: int, spatial: tuple[int, ...], kwargs: dict[str, Any]
) -> None:
    torch.manual_seed(0)
    layer = CONV[rank](cin, cout, dtype=F64, **kwargs)
    g, extra = layer.groups, layer.extra_channels
    assert layer.weight.shape[:2] == (cout, cin // g + extra)
    assert layer.in_channels == cin + g * extra  # torch's attribute: data + a copy per group
    assert layer.data_weight.shape[:2] == (cout, cin // g)
    assert layer.coord_weight.shape[:2] == (cout, extra)
    assert not layer._concatenate
    check(layer, torch.randn(2, cin, *spatial, dtype=F64))


TRANSPOSED_CASES = [
    (1, 4, 6, (5,), {"kernel_size": 3, "groups": 2, "stride": 2, "output_padding": 1}, None),
    (
        1,
        3,
        3,
        (4,),
        {"kernel_size": 4, "groups": 3, "stride": 2, "padding": 1, "with_r": True},
        None,
    ),
    (2, 4, 6, (3, 4), {"kernel_size": 3, "groups": 2, "stride": 2, "padding": 1}, [6, 8]),
    (
        2,
        4,
        8,
        (3, 5),
        {
            "kernel_size": (2, 3),
            "groups": 4,
            "stride": (2, 1),
            "dilation": (1, 2),
            "coords": "zero_one",
            "bias": False,
        },
        None,
    ),
    (2, 2, 4, (3, 4), {"kernel_size": 3, "groups": 2, "dilation": 2, "output_padding": 1}, None),
    (3, 4, 4, (2, 3, 4), {"kernel_size": 2, "groups": 4, "stride": 2, "with_r": True}, None),
]


@pytest.mark.parametrize(("rank", "cin", "cout", "spatial", "kwargs", "size"), TRANSPOSED_CASES)
def test_grouped_transposed_equals_references(
    rank: int,
    cin: int,
    cout: int,
    spatial: tuple[int, ...],
    kwargs: dict[str, Any],
    size: list[int] | None,
) -> None:
    torch.manual_seed(0)
    layer = TRANSPOSED[rank](cin, cout, dtype=F64, **kwargs)
    g, extra = layer.groups, layer.extra_channels
    assert layer.weight.shape[:2] == (cin + g * extra, cout // g)
    assert layer.data_weight.shape[:2] == (cin, cout // g)
    assert layer.coord_weight.shape[:2] == (extra, cout)
    x = torch.randn(2, cin, *spatial, dtype=F64)
    if size is None:
        check(layer, x)
    else:
        check(layer, x, output_size=size)
        assert layer(x, output_size=size).shape[2:] == tuple(size)


def test_state_dict_loads_into_the_plain_grouped_layer() -> None:
    """The layout is torch's for the layer over the interleaved input."""
    torch.manual_seed(0)
    layer = CoordConv2d(6, 4, 3, groups=2, padding=1, with_r=True)
    plain = nn.Conv2d(6 + 2 * 3, 4, 3, groups=2, padding=1)
    plain.load_state_dict(layer.state_dict())
    transposed = CoordConvTranspose2d(4, 6, 2, stride=2, groups=2)
    nn.ConvTranspose2d(4 + 2 * 2, 6, 2, stride=2, groups=2).load_state_dict(transposed.state_dict())


def test_gradcheck_grouped_float64() -> None:
    torch.manual_seed(0)
    cases = [
        (
            CoordConv2d(
                2, 4, 2, groups=2, padding=1, padding_mode="reflect", with_r=True, dtype=F64
            ),
            torch.randn(2, 2, 3, 2, dtype=F64),
        ),
        (
            CoordConvTranspose1d(2, 2, 3, stride=2, groups=2, coords="zero_one", dtype=F64),
            torch.randn(2, 2, 3, dtype=F64),
        ),
        (
            CoordConv3d(2, 2, 2, groups=2, coords=CoordEncoding("fourier", 1), dtype=F64),
            torch.randn(1, 2, 2, 3, 2, dtype=F64),
        ),
    ]
    for layer, x in cases:
        x.requires_grad_(True)
        inputs = (x, layer.weight, layer.bias)
        assert torch.autograd.gradcheck(lambda x, w, b, layer=layer: layer(x), inputs)


def test_group_errors_name_the_argument() -> None:
    with pytest.raises(
        ValueError, match=r"CoordConv2d: in_channels=4 must be divisible by groups=3"
    ):
        CoordConv2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match=r"out_channels=6 must be divisible by groups=4"):
        CoordConv1d(4, 6, 3, 1, 0, 1, 4)  # groups given positionally, as nn.Conv1d allows
    with pytest.raises(ValueError, match="groups must be a positive int, got 0"):
        CoordConvTranspose2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="expects 4 data channels"):
        CoordConv2d(4, 4, 3, groups=4)(torch.zeros(1, 12, 5, 5))  # a pre-concatenated input
