"""CoordConv layers equal a plain convolution over ``cat([x, coords])`` (paper section 3, S9).

The reference here builds the coordinates independently (``torch.linspace``) and runs the
functional convolution on the materialised concatenation.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from coordconv_core import (
    CoordConv1d,
    CoordConv2d,
    CoordConv3d,
    CoordConvTranspose1d,
    CoordConvTranspose2d,
    CoordConvTranspose3d,
    CoordEncoding,
    coordinate_grid,
)
from coordconv_core.coord_term import conv_coord_term

CONV = {1: CoordConv1d, 2: CoordConv2d, 3: CoordConv3d}
TRANSPOSED = {1: CoordConvTranspose1d, 2: CoordConvTranspose2d, 3: CoordConvTranspose3d}
F_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
F_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


DEFAULT_COORDS = CoordEncoding()


def reference_coords(
    x: torch.Tensor, with_r: bool, coords: CoordEncoding = DEFAULT_COORDS
) -> torch.Tensor:
    """``(N, rank + with_r, *spatial)``: linspace(-1, 1) per axis (0 for size 1), last axis first.

    Other encodings come from ``coordinate_grid`` (tested exactly in test_core_encodings.py).
    """
    spatial = x.shape[2:]
    if coords != DEFAULT_COORDS:
        grid = coordinate_grid(spatial, with_r=with_r, coords=coords, dtype=torch.float64)
        return grid.to(x.dtype).to(x.device).expand(x.shape[0], *grid.shape)
    axes = [
        torch.linspace(-1, 1, s, dtype=torch.float64)
        if s > 1
        else torch.zeros(1, dtype=torch.float64)
        for s in spatial
    ]
    mesh = torch.meshgrid(*axes, indexing="ij")  # mesh[d] varies along spatial dim d
    channels = list(reversed(mesh))
    if with_r:
        channels.append(torch.sqrt(sum(c * c for c in channels)))
    grid = torch.stack(channels).to(x.dtype).to(x.device)
    return grid.expand(x.shape[0], *grid.shape)


def reference_forward(layer: nn.Module, x: torch.Tensor, output_size: Any = None) -> torch.Tensor:
    """Concatenate-then-convolve with the layer's own weight, written with the functional API."""
    rank = x.dim() - 2
    xc = torch.cat([x, reference_coords(x, layer.with_r, layer.coords)], dim=1)
    if layer.transposed:
        output_padding = layer._output_padding(
            xc, output_size, layer.stride, layer.padding, layer.kernel_size, rank, layer.dilation
        )
        return F_CONV_T[rank](
            xc,
            layer.weight,
            layer.bias,
            layer.stride,
            layer.padding,
            output_padding,
            1,
            layer.dilation,
        )
    padding = layer.padding
    if layer.padding_mode != "zeros":
        if layer.padding == "same":  # total d * (k - 1), the extra one on the right (as torch)
            totals = [d * (k - 1) for d, k in zip(layer.dilation, layer.kernel_size, strict=True)]
            pairs = [(t // 2, t - t // 2) for t in totals]
        else:
            pairs = [(p, p) for p in layer.padding]
        pad = [p for pair in reversed(pairs) for p in pair]  # F.pad: last dim first
        xc = F.pad(xc, pad, mode=layer.padding_mode)
        padding = 0
    return F_CONV[rank](xc, layer.weight, layer.bias, layer.stride, padding, layer.dilation)


def check_against_reference(layer: nn.Module, x: torch.Tensor, **forward_kwargs: Any) -> None:
    """Outputs and gradients (input, weight, bias) equal the reference's."""
    x = x.detach().requires_grad_(True)
    out = layer(x, **forward_kwargs)
    xr = x.detach().clone().requires_grad_(True)
    ref = reference_forward(layer, xr, forward_kwargs.get("output_size"))
    tol = (
        {"rtol": 1e-10, "atol": 1e-10} if x.dtype == torch.float64 else {"rtol": 1e-4, "atol": 1e-4}
    )
    torch.testing.assert_close(out, ref, **tol)
    grad = torch.randn_like(out)
    got = torch.autograd.grad(out, [x, *layer.parameters()], grad)
    want = torch.autograd.grad(ref, [xr, *layer.parameters()], grad)
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w, **tol)


CONV_CASES = [
    # rank, spatial, kwargs
    (1, (9,), {"kernel_size": 3}),
    (
        1,
        (10,),
        {"kernel_size": 4, "stride": 3, "padding": 2, "dilation": 2, "padding_mode": "reflect"},
    ),
    (1, (5,), {"kernel_size": 3, "padding": 1, "padding_mode": "circular", "bias": False}),
    (2, (7, 7), {"kernel_size": 1}),
    (2, (3, 4), {"kernel_size": 3, "padding": 1}),
    (2, (9, 6), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 2), "dilation": (1, 2)}),
    (2, (8, 5), {"kernel_size": 3, "padding": 2, "padding_mode": "reflect"}),
    (2, (8, 5), {"kernel_size": 3, "stride": 2, "padding": 1, "padding_mode": "replicate"}),
    (2, (6, 7), {"kernel_size": 5, "padding": (2, 3), "padding_mode": "circular"}),
    (2, (6, 7), {"kernel_size": 3, "padding": "same", "dilation": 2}),
    (2, (6, 7), {"kernel_size": 3, "padding": "same", "padding_mode": "reflect"}),
    (2, (1, 6), {"kernel_size": (1, 3), "padding": "valid"}),
    (3, (4, 5, 3), {"kernel_size": 3, "padding": 1}),
    (
        3,
        (5, 4, 6),
        {"kernel_size": (2, 3, 1), "stride": 2, "padding_mode": "replicate", "padding": 1},
    ),
]


@pytest.mark.parametrize("with_r", [False, True])
@pytest.mark.parametrize(("rank", "spatial", "kwargs"), CONV_CASES)
def test_conv_equals_concatenate_then_convolve(
    rank: int, spatial: tuple[int, ...], kwargs: dict[str, Any], with_r: bool, device: torch.device
) -> None:
    torch.manual_seed(0)
    layer = CONV[rank](3, 4, with_r=with_r, device=device, dtype=torch.float64, **kwargs)
    assert layer.weight.shape[:2] == (4, 3 + rank + with_r)
    check_against_reference(layer, torch.randn(2, 3, *spatial, device=device, dtype=torch.float64))


TRANSPOSED_CASES = [
    (1, (5,), {"kernel_size": 3}, None),
    (1, (4,), {"kernel_size": 4, "stride": 2, "padding": 1, "output_padding": 1}, None),
    (2, (3, 4), {"kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1}, None),
    (2, (5, 3), {"kernel_size": (2, 3), "stride": (2, 3), "dilation": (2, 1), "bias": False}, None),
    (2, (4, 6), {"kernel_size": 3, "stride": 2, "padding": 1}, [8, 12]),
    (2, (1, 1), {"kernel_size": 4}, None),
    (2, (3, 4), {"kernel_size": 3, "dilation": 2, "output_padding": 1}, None),  # padding >= stride
    (3, (2, 3, 4), {"kernel_size": 2, "stride": 2}, None),
    (3, (3, 2, 2), {"kernel_size": 3, "stride": 2, "padding": 1}, [6, 4, 3]),
]


@pytest.mark.parametrize("with_r", [False, True])
@pytest.mark.parametrize(("rank", "spatial", "kwargs", "output_size"), TRANSPOSED_CASES)
def test_transposed_equals_concatenate_then_convolve(
    rank: int,
    spatial: tuple[int, ...],
    kwargs: dict[str, Any],
    output_size: list[int] | None,
    with_r: bool,
    device: torch.device,
) -> None:
    torch.manual_seed(0)
    layer = TRANSPOSED[rank](3, 4, with_r=with_r, device=device, dtype=torch.float64, **kwargs)
    assert layer.weight.shape[:2] == (3 + rank + with_r, 4)
    x = torch.randn(2, 3, *spatial, device=device, dtype=torch.float64)
    if output_size is None:
        check_against_reference(layer, x)
    else:
        check_against_reference(layer, x, output_size=output_size)
        assert layer(x, output_size=output_size).shape[2:] == tuple(output_size)


@pytest.mark.parametrize(
    ("rank", "channels", "out", "concatenates"),
    [
        (2, 2, 32, True),
        (1, 1, 12, True),
        (2, 2, 15, False),
        (2, 14, 64, True),
        (2, 15, 64, False),
        (3, 1, 16, True),
    ],
)
def test_pointwise_thin_layers_concatenate_and_stay_exact(
    rank: int, channels: int, out: int, concatenates: bool, device: torch.device
) -> None:
    """1x1 layers with 4 * (in + extra) <= out take the concatenating path; same results."""
    torch.manual_seed(0)
    layer = CONV[rank](channels, out, 1, with_r=rank == 1, device=device, dtype=torch.float64)
    assert layer._concatenate == concatenates
    check_against_reference(
        layer, torch.randn(3, channels, *([5] * rank), device=device, dtype=torch.float64)
    )


ENCODING_CASES = [
    "minus_half_half",
    "zero_one",
    "pixels",
    CoordEncoding("fourier", 2),
    CoordEncoding("fourier", 3, sigma=2.0, seed=1),
]
LAYER_CASES = [
    # layer class, spatial, kwargs
    (CoordConv1d, (7,), {"kernel_size": 3, "padding": 1, "padding_mode": "reflect"}),
    (CoordConv2d, (5, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (CoordConv3d, (3, 4, 5), {"kernel_size": 2, "padding": 1, "padding_mode": "circular"}),
    (CoordConvTranspose2d, (3, 5), {"kernel_size": 4, "stride": 2, "padding": 1}),
]


@pytest.mark.parametrize(
    ("make", "spatial", "kwargs"), LAYER_CASES, ids=lambda v: getattr(v, "__name__", "")
)
@pytest.mark.parametrize("coords", ENCODING_CASES, ids=str)
def test_every_encoding_equals_concatenate_then_convolve(
    coords: str | CoordEncoding,
    make: type[nn.Module],
    spatial: tuple[int, ...],
    kwargs: dict[str, Any],
    device: torch.device,
) -> None:
    """Non-square inputs; ``r`` for the encodings that have one; the channel count follows."""
    torch.manual_seed(0)
    with_r = coords in ("zero_one", "pixels")
    layer = make(3, 4, with_r=with_r, coords=coords, device=device, dtype=torch.float64, **kwargs)
    extra = coordinate_grid(spatial, with_r=with_r, coords=coords).shape[0]
    assert layer.extra_channels == extra
    assert layer.weight.shape[:2] == ((3 + extra, 4) if layer.transposed else (4, 3 + extra))
    assert f"coords={layer.coords}" in repr(layer)
    check_against_reference(layer, torch.randn(2, 3, *spatial, device=device, dtype=torch.float64))


def test_drop_in_subclass_and_state_dict() -> None:
    layer = CoordConv2d(3, 8, 3, 1, 1, with_r=True)  # positional stride, padding like nn.Conv2d
    assert isinstance(layer, nn.Conv2d)
    assert layer.data_channels == 3
    assert layer.extra_channels == 3
    assert layer.rank == 2
    assert layer.weight.shape == (8, 6, 3, 3)
    assert sum(p.numel() for p in layer.parameters()) == 8 * 6 * 9 + 8
    assert "data_channels=3, with_r=True, coords=minus_one_one" in repr(layer)
    twin = CoordConv2d(3, 8, 3, padding=1, with_r=True)
    twin.load_state_dict(layer.state_dict())
    x = torch.randn(2, 3, 5, 5)
    torch.testing.assert_close(twin(x), layer(x))
    plain = nn.Conv2d(6, 8, 3, padding=1)
    plain.load_state_dict(layer.state_dict())  # same keys and shapes as the plain layer
    assert isinstance(CoordConvTranspose3d(2, 2, 3), nn.ConvTranspose3d)


def first_version_forward(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The forward of this package's first version for the 2-D/1-D/3-D convolution layers,
    literally: the data convolution, then the im2col coordinate term (3-D: the convolution)."""
    c = layer.data_channels
    out = layer._conv_forward(x, layer.weight[:, :c], None)
    grid = coordinate_grid(x.shape[2:], with_r=layer.with_r, dtype=x.dtype, device=x.device)
    if x.dim() == 5:
        coord = layer._conv_forward(grid.unsqueeze(0), layer.weight[:, c:], layer.bias)
    else:
        coord = conv_coord_term(
            grid,
            layer.weight[:, c:],
            layer.bias,
            out.shape[2:],
            stride=layer.stride,
            dilation=layer.dilation,
            kernel_size=layer.kernel_size,
            reversed_padding=layer._reversed_padding_repeated_twice,
            padding_mode=layer.padding_mode,
        )
    return out.add_(coord)


LARGER_CASES = [  # a longer coordinate sum (extra * k * k terms), where another order shows
    (2, (40, 36), {"kernel_size": 5, "padding": 2}),
    (2, (33, 30), {"kernel_size": 7, "stride": 2, "padding": 3, "padding_mode": "reflect"}),
    (1, (50,), {"kernel_size": 9, "padding": 4, "dilation": 2}),
]


@pytest.mark.parametrize(("rank", "spatial", "kwargs"), CONV_CASES + LARGER_CASES)
def test_default_layers_compute_the_first_versions_numbers_bit_for_bit(
    rank: int, spatial: tuple[int, ...], kwargs: dict[str, Any], device: torch.device
) -> None:
    """Trained results elsewhere in the repository depend on these numbers: outputs and every
    gradient of a default-encoding, groups=1 layer equal the first version's computation exactly
    (float32, where another summation order would show), on the CPU, where every committed
    result was computed. On CUDA, cuDNN picks its backward kernels by the tensors' layout, so
    there the gradients agree to float32 rounding (seen on an H100: 4 of 17 cases differ in the
    last bits), the outputs still exactly."""
    torch.manual_seed(0)
    layer = CONV[rank](5, 8, with_r=rank != 2, device=device, **kwargs)
    assert not layer._concatenate
    x = torch.randn(3, 5, *spatial, device=device, requires_grad=True)
    out, want = layer(x), first_version_forward(layer, x)
    assert torch.equal(out, want)
    grad = torch.randn_like(out)
    got = torch.autograd.grad(out, [x, *layer.parameters()], grad)
    expected = torch.autograd.grad(want, [x, *layer.parameters()], grad)
    for g, w in zip(got, expected, strict=True):
        if device.type == "cuda":
            torch.testing.assert_close(g, w)
        else:
            assert torch.equal(g, w)


def test_gradcheck_float64(device: torch.device) -> None:
    torch.manual_seed(0)
    f64 = {"device": device, "dtype": torch.float64}
    conv = CoordConv2d(1, 2, 2, padding=1, padding_mode="reflect", with_r=True, **f64)
    convt = CoordConvTranspose1d(1, 2, 3, stride=2, with_r=True, **f64)
    for layer, x in [
        (conv, torch.randn(2, 1, 3, 2, **f64)),
        (convt, torch.randn(2, 1, 3, **f64)),
    ]:
        x.requires_grad_(True)
        inputs = (x, layer.weight, layer.bias)
        assert torch.autograd.gradcheck(lambda x, w, b, layer=layer: layer(x), inputs)
        assert torch.autograd.gradgradcheck(lambda x, w, b, layer=layer: layer(x), inputs)


def test_channels_last(device: torch.device) -> None:
    torch.manual_seed(0)
    layer = CoordConv2d(8, 16, 3, padding=1, with_r=True, device=device).to(
        memory_format=torch.channels_last
    )
    x = torch.randn(4, 8, 6, 9, device=device).to(memory_format=torch.channels_last)
    out = layer(x)
    assert out.is_contiguous(memory_format=torch.channels_last)
    check_against_reference(layer, x)


@pytest.mark.parametrize("transposed", [False, True])
def test_autocast_bf16(transposed: bool, device: torch.device) -> None:
    torch.manual_seed(0)
    make = CoordConvTranspose2d if transposed else CoordConv2d
    layer = make(4, 8, 3, stride=1 + transposed, padding=1, with_r=True, device=device)
    x = torch.randn(2, 4, 7, 5, device=device)
    with torch.autocast(device.type, dtype=torch.bfloat16):
        out = layer(x)
    assert out.dtype == torch.bfloat16
    ref = reference_forward(layer, x)
    torch.testing.assert_close(out.float(), ref, rtol=5e-2, atol=5e-2)
    out.float().sum().backward()
    assert layer.weight.grad is not None
    coord_grad = layer.weight.grad[4:] if transposed else layer.weight.grad[:, 4:]
    assert coord_grad.abs().sum() > 0  # the coordinate weights get gradient


def test_any_input_size_and_empty_batch(device: torch.device) -> None:
    layer = CoordConv2d(1, 2, 3, padding=1, device=device, dtype=torch.float64)
    for shape in [(1, 1, 1, 1), (3, 1, 2, 17), (1, 1, 33, 5), (0, 1, 4, 4)]:
        x = torch.randn(*shape, device=device, dtype=torch.float64)
        out = layer(x)
        assert out.shape == (shape[0], 2, *shape[2:])
        torch.testing.assert_close(out, reference_forward(layer, x))


def test_inference_mode_and_no_grad(device: torch.device) -> None:
    layer = CoordConvTranspose2d(2, 2, 2, stride=2, device=device)
    x = torch.randn(3, 2, 4, 4, device=device)
    with torch.inference_mode():
        out = layer(x)
    torch.testing.assert_close(out, reference_forward(layer, x).detach())


def test_errors() -> None:
    layer = CoordConv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"CoordConv2d expects a 4-D .* got shape \(3, 8, 8\)"):
        layer(torch.zeros(3, 8, 8))
    with pytest.raises(ValueError, match=r"expects 3 data channels .* got 5"):
        layer(torch.zeros(1, 5, 8, 8))  # e.g. someone feeding add_coords(x) to a CoordConv
    with pytest.raises(TypeError, match="floating input"):
        layer(torch.zeros(1, 3, 8, 8, dtype=torch.int64))
    with pytest.raises(ValueError, match="in_channels=4 must be divisible by groups=3"):
        CoordConv2d(4, 4, 3, groups=3)
    with pytest.raises(ValueError, match="out_channels=6 must be divisible by groups=4"):
        CoordConv1d(4, 6, 3, 1, 0, 1, 4)  # groups given positionally, as nn.Conv1d allows
    with pytest.raises(ValueError, match="in_channels=3 must be divisible by groups=2"):
        CoordConvTranspose2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="with_r=True has no meaning for coords='fourier'"):
        CoordConv2d(3, 4, 3, with_r=True, coords="fourier")
    with pytest.raises(ValueError, match="coords must be one of minus_one_one"):
        CoordConvTranspose1d(3, 4, 3, coords="centred")
    with pytest.raises(ValueError, match=r"zeros.* padding mode"):
        CoordConvTranspose2d(4, 4, 3, padding_mode="reflect")


@st.composite
def conv_configs(draw: st.DrawFn) -> tuple[int, tuple[int, ...], dict[str, Any], torch.dtype]:
    rank = draw(st.integers(1, 3))
    spatial = tuple(draw(st.lists(st.integers(1, 7), min_size=rank, max_size=rank)))
    kernel = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2))
    mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    padding = draw(st.integers(0, 2))
    limit = {"reflect": min(spatial) - 1, "circular": min(spatial)}.get(mode, padding)
    assume(padding <= limit)
    assume(all(s + 2 * padding >= dilation * (kernel - 1) + 1 for s in spatial))
    kwargs = {
        "kernel_size": kernel,
        "stride": draw(st.integers(1, 2)),
        "padding": padding,
        "dilation": dilation,
        "padding_mode": mode,
        "bias": draw(st.booleans()),
    }
    return rank, spatial, kwargs, draw(st.sampled_from([torch.float32, torch.float64]))


@settings(max_examples=30, deadline=None)
@given(
    config=conv_configs(), with_r=st.booleans(), channels=st.integers(1, 3), batch=st.integers(1, 3)
)
def test_property_conv(
    config: tuple[int, tuple[int, ...], dict[str, Any], torch.dtype],
    with_r: bool,
    channels: int,
    batch: int,
    device: torch.device,
) -> None:
    rank, spatial, kwargs, dtype = config
    layer = CONV[rank](channels, 2, with_r=with_r, device=device, dtype=dtype, **kwargs)
    check_against_reference(
        layer, torch.randn(batch, channels, *spatial, device=device, dtype=dtype)
    )


@settings(max_examples=20, deadline=None)
@given(
    rank=st.integers(1, 3),
    size=st.integers(1, 4),
    kernel=st.integers(1, 3),
    stride=st.integers(1, 3),
    padding=st.integers(0, 1),
    dilation=st.integers(1, 2),
    with_r=st.booleans(),
    dtype=st.sampled_from([torch.float32, torch.float64]),
)
def test_property_transposed(
    rank: int,
    size: int,
    kernel: int,
    stride: int,
    padding: int,
    dilation: int,
    with_r: bool,
    dtype: torch.dtype,
    device: torch.device,
) -> None:
    assume((size - 1) * stride - 2 * padding + dilation * (kernel - 1) + 1 >= 1)
    layer = TRANSPOSED[rank](
        2, 3, kernel, stride=stride, padding=padding, output_padding=stride - 1,
        dilation=dilation, with_r=with_r, device=device, dtype=dtype,
    )  # fmt: skip
    check_against_reference(layer, torch.randn(2, 2, *([size] * rank), device=device, dtype=dtype))


def test_cuda_forward_backward_never_synchronises(device: torch.device) -> None:
    """No host-to-device copy (or any other synchronising call) per forward/backward on CUDA."""
    if device.type != "cuda":
        pytest.skip("needs TORCH_DEVICE=cuda")
    layers = [
        CoordConv2d(3, 8, 3, padding=1, padding_mode="reflect", with_r=True, device=device),
        CoordConvTranspose2d(3, 8, 4, stride=2, padding=1, device=device),
        CoordConv3d(3, 4, 3, device=device),
    ]
    inputs = [torch.randn(2, 3, 9, 7, device=device)] * 2 + [
        torch.randn(2, 3, 4, 5, 6, device=device)
    ]
    for layer, x in zip(layers, inputs, strict=True):
        layer(x).sum().backward()  # warm-up: cuDNN / cuBLAS handles
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            layer(x).sum().backward()
        finally:
            torch.cuda.set_sync_debug_mode("default")
