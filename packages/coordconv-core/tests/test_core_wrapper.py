"""``CoordConvWrapper``: CoordConv around subclasses of the torch convolutions, whose own forward
keeps running (a weight-standardised conv, a TensorFlow-"SAME" conv, a transposed conv that scales
its output), and ``convert_to_coordconv`` wrapping them inside real models."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from coordconv_core import (
    CoordConv2d,
    CoordConvWrapper,
    CoordEncoding,
    convert_to_coordconv,
    coordinate_grid,
)


class ScaledConvTranspose2d(nn.ConvTranspose2d):
    """A transposed convolution whose forward doubles its output."""

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        return 2 * super().forward(x, output_size)


Subclasses = tuple[type[nn.Conv2d], type[nn.Conv2d]]  # (WSConv2d, SameConv2d), see conftest.py


def batch_coords(wrapper: CoordConvWrapper, x: torch.Tensor) -> torch.Tensor:
    grid = coordinate_grid(x.shape[2:], with_r=wrapper.with_r, coords=wrapper.coords, dtype=x.dtype)
    return grid.expand(x.shape[0], *grid.shape)


def randomise(wrapper: CoordConvWrapper) -> None:
    with torch.no_grad():
        wrapper.coord_weight.normal_()


def test_wrapping_keeps_the_function_and_the_forward(conv_subclasses: Subclasses) -> None:
    torch.manual_seed(0)
    WSConv2d, _ = conv_subclasses
    conv = WSConv2d(3, 8, 3, padding=1, padding_mode="reflect", dtype=torch.float64)
    x = torch.randn(2, 3, 7, 5, dtype=torch.float64)
    before = conv(x)
    wrapper = CoordConvWrapper(conv, with_r=True)
    assert wrapper.conv is conv
    assert wrapper.coord_weight.shape == (8, 3, 3, 3)
    assert (wrapper.coord_weight == 0).all()
    assert torch.equal(wrapper(x), before)
    randomise(wrapper)
    # WS(data) + a plain convolution of the coordinates, padded like the wrapped conv
    coords = F.pad(batch_coords(wrapper, x), [1, 1, 1, 1], mode="reflect")
    want = before + F.conv2d(coords, wrapper.coord_weight)
    torch.testing.assert_close(wrapper(x), want, rtol=1e-12, atol=1e-12)
    assert "with_r=True, coords=minus_one_one, extra_channels=3" in repr(wrapper)
    assert "(conv): WSConv2d(3, 8" in repr(wrapper)


@pytest.mark.parametrize(
    ("size", "stride", "kernel"), [((7, 5), 1, 3), ((8, 6), 2, 3), ((7, 8), 2, 4)]
)
def test_same_padding_conv_equals_its_concatenated_form(
    size: tuple[int, int], stride: int, kernel: int, conv_subclasses: Subclasses
) -> None:
    """The wrapper of a "SAME" conv is that conv over cat([x, coords]) (sizes and pads inferred,
    asymmetric where TF pads asymmetrically), values and gradients."""
    torch.manual_seed(0)
    _, SameConv2d = conv_subclasses
    f64 = {"dtype": torch.float64}
    conv = SameConv2d(3, 4, kernel, stride=stride, **f64)
    wrapper = CoordConvWrapper(conv, coords="zero_one", with_r=True)
    randomise(wrapper)
    whole = SameConv2d(6, 4, kernel, stride=stride, **f64)
    with torch.no_grad():
        whole.weight.copy_(torch.cat([conv.weight, wrapper.coord_weight], dim=1))
        whole.bias.copy_(conv.bias)
    x = torch.randn(2, 3, *size, **f64, requires_grad=True)
    out = wrapper(x)
    assert out.shape[2:] == tuple(math.ceil(s / stride) for s in size)
    ref = whole(torch.cat([x, batch_coords(wrapper, x)], dim=1))
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-12)
    grad = torch.randn_like(out)
    (gx, gw) = torch.autograd.grad(out, [x, wrapper.coord_weight], grad)
    (rx, rw) = torch.autograd.grad(ref, [x, whole.weight], grad)
    torch.testing.assert_close(gx, rx, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gw, rw[:, 3:], rtol=1e-12, atol=1e-12)


def test_transposed_subclass_with_output_size() -> None:
    torch.manual_seed(0)
    conv = ScaledConvTranspose2d(3, 4, 3, stride=2, padding=1, dtype=torch.float64)
    x = torch.randn(2, 3, 4, 5, dtype=torch.float64)
    before = conv(x, output_size=[8, 10])
    wrapper = CoordConvWrapper(conv, coords="pixels")
    assert wrapper.coord_weight.shape == (2, 4, 3, 3)  # (extra, out, *k)
    assert torch.equal(wrapper(x, output_size=[8, 10]), before)
    randomise(wrapper)
    coords = batch_coords(wrapper, x)
    term = F.conv_transpose2d(coords, wrapper.coord_weight, None, 2, 1, output_padding=1)
    torch.testing.assert_close(wrapper(x, output_size=[8, 10]), before + term)
    wrapper(x).sum().backward()  # output_padding 0 this time
    assert wrapper.coord_weight.grad is not None
    assert wrapper.coord_weight.grad.abs().sum() > 0


@pytest.mark.parametrize("rank", [1, 3])
def test_one_and_three_d_subclasses(rank: int) -> None:
    torch.manual_seed(0)
    base = {1: nn.Conv1d, 3: nn.Conv3d}[rank]
    op = {1: F.conv1d, 3: F.conv3d}[rank]
    conv = type("Sub", (base,), {})(2, 3, 3, padding=1, stride=2, dtype=torch.float64)
    wrapper = CoordConvWrapper(conv, coords=CoordEncoding("fourier", 1))
    randomise(wrapper)
    x = torch.randn(2, 2, *(5, 4, 6)[:rank], dtype=torch.float64)
    want = conv(x) + op(batch_coords(wrapper, x), wrapper.coord_weight, None, 2, 1)
    torch.testing.assert_close(wrapper(x), want, rtol=1e-12, atol=1e-12)


def test_coord_padding_and_errors(conv_subclasses: Subclasses) -> None:
    WSConv2d, _ = conv_subclasses
    conv = nn.Conv2d(2, 2, 3, padding=1)
    x = torch.randn(1, 2, 5, 6)
    explicit = CoordConvWrapper(conv, coord_padding=(1, 1))
    own = CoordConvWrapper(conv)
    randomise(own)
    explicit.coord_weight = own.coord_weight
    torch.testing.assert_close(explicit(x), own(x))
    with pytest.raises(
        ValueError,
        match=r"gave spatial size \(5, 6\) from .* coord_padding=\(0, 0\) gives \(3, 4\)",
    ):
        CoordConvWrapper(conv, coord_padding=0)(x)

    class Cropped(nn.Conv2d):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return super().forward(x)[..., 1:-1, 1:-1]

    with pytest.raises(ValueError, match=r"smaller than any padding gives .* pass coord_padding"):
        CoordConvWrapper(Cropped(2, 2, 3))(x)
    with pytest.raises(ValueError, match="coord_padding must be a non-negative int or 2 of them"):
        CoordConvWrapper(conv, coord_padding=(1, 1, 1))
    with pytest.raises(ValueError, match="coord_padding is for convolutions"):
        CoordConvWrapper(nn.ConvTranspose2d(2, 2, 3), coord_padding=1)
    with pytest.raises(ValueError, match="wraps torch convolutions"):
        CoordConvWrapper(nn.Linear(2, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="with_r=True has no meaning"):
        CoordConvWrapper(conv, with_r=True, coords="fourier")
    with pytest.raises(ValueError, match="run the lazy convolution once first"):
        CoordConvWrapper(nn.LazyConv2d(2, 3))
    with pytest.raises(
        ValueError, match=r"subclasses Conv2d with its own forward.*CoordConvWrapper"
    ):
        CoordConv2d.from_conv(WSConv2d(2, 2, 3))


def test_convert_wraps_subclasses_once_and_converts_plain_convs(
    conv_subclasses: Subclasses,
) -> None:
    torch.manual_seed(0)
    WSConv2d, SameConv2d = conv_subclasses
    model = nn.Sequential(
        WSConv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, groups=8),
        SameConv2d(8, 4, 3, stride=2),
    )
    x = torch.randn(2, 3, 9, 10)
    before = model(x)
    skipped = convert_to_coordconv(model, layers="all", subclasses="skip")
    assert [type(m) for m in skipped] == [WSConv2d, nn.ReLU, CoordConv2d, SameConv2d]
    convert_to_coordconv(model, layers="all", with_r=True)
    assert [type(m) for m in model] == [CoordConvWrapper, nn.ReLU, CoordConv2d, CoordConvWrapper]
    assert isinstance(model[0].conv, WSConv2d)
    torch.testing.assert_close(model(x), before)
    with pytest.raises(ValueError, match="selected no convolution"):
        convert_to_coordconv(model, layers="all")  # the wrapped convolutions are not wrapped again
    model(x).square().sum().backward()
    for wrapper in (model[0], model[3]):
        assert wrapper.coord_weight.grad.abs().sum() > 0


def test_resnet18_with_weight_standardised_convs(conv_subclasses: Subclasses) -> None:
    """Every convolution of a torchvision ResNet-18 made a weight-standardised one (its function
    changes), then converted: all 20 are wrapped, outputs unchanged, coordinate weights learn."""
    torch.manual_seed(0)
    WSConv2d, _ = conv_subclasses
    model = torchvision.models.resnet18(weights=None, num_classes=5)
    for m in model.modules():
        if type(m) is nn.Conv2d:
            m.__class__ = WSConv2d
    model.eval()
    x = torch.randn(2, 3, 32, 40)
    with torch.no_grad():
        before = model(x)
    convert_to_coordconv(model, layers="all", coords="minus_half_half")
    wrappers = [m for m in model.modules() if isinstance(m, CoordConvWrapper)]
    assert len(wrappers) == 20
    with torch.no_grad():
        torch.testing.assert_close(model(x), before, rtol=1e-5, atol=1e-5)
    model.train()  # batch statistics: standardised weights with eval-mode BN explode
    model(x).square().mean().backward()
    for w in wrappers:
        assert w.coord_weight.grad.isfinite().all()
        assert w.coord_weight.grad.abs().sum() > 0
