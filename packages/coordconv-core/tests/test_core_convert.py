"""``convert_to_coordconv``: converted models compute what they computed before (zero coordinate
weights), and fine-tuning can then use the coordinates."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from coordconv_core import (
    CoordConv1d,
    CoordConv2d,
    CoordConvTranspose2d,
    CoordConvWrapper,
    convert_to_coordconv,
)
from coordconv_core.coordconv import COORDCONV_FOR


def coord_layers(model: nn.Module) -> dict[str, nn.Module]:
    return {
        n: m for n, m in model.named_modules() if isinstance(m, CoordConv2d | CoordConvTranspose2d)
    }


@pytest.fixture
def resnet_and_output() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    model = torchvision.models.resnet50(num_classes=10).eval()
    x = torch.randn(2, 3, 64, 48)
    with torch.no_grad():
        return model, x, model(x)


def test_resnet50_first(resnet_and_output: tuple[nn.Module, torch.Tensor, torch.Tensor]) -> None:
    model, x, before = resnet_and_output
    model = convert_to_coordconv(model, layers="first", with_r=True)
    assert list(coord_layers(model)) == ["conv1"]
    conv1 = model.conv1
    assert conv1.weight.shape == (64, 6, 7, 7)
    assert conv1.data_channels == 3
    assert (conv1.weight[:, 3:] == 0).all()
    assert conv1.stride == (2, 2) and conv1.padding == (3, 3) and conv1.bias is None  # noqa: PT018
    with torch.no_grad():
        torch.testing.assert_close(model(x), before, rtol=1e-5, atol=1e-5)


def test_resnet50_all_and_predicate(
    resnet_and_output: tuple[nn.Module, torch.Tensor, torch.Tensor],
) -> None:
    model, x, before = resnet_and_output
    n_convs = sum(type(m) is nn.Conv2d for m in model.modules())
    convert_to_coordconv(model, layers=lambda name, m: name.startswith("layer4"))
    assert all(name.startswith("layer4") for name in coord_layers(model))
    convert_to_coordconv(model, layers="all")
    assert len(coord_layers(model)) == 53 == n_convs
    assert not any(type(m) is nn.Conv2d for m in model.modules())
    with torch.no_grad():
        torch.testing.assert_close(model(x), before, rtol=1e-5, atol=1e-5)


def test_transposed_model_keeps_outputs_then_learns_from_coordinates() -> None:
    """An encoder-decoder with transposed convs: same outputs after conversion; a few steps of
    training on a position-dependent target move the (zero-initialised) coordinate weights."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(4, 4, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(4, 1, 3, padding=1),
    )
    x = torch.rand(8, 1, 8, 8)
    before = model(x).detach()
    convert_to_coordconv(model, layers="all")
    assert [type(m) for m in model] == [
        CoordConv2d,
        nn.ReLU,
        CoordConvTranspose2d,
        nn.ReLU,
        CoordConvTranspose2d,
    ]
    assert model[2].weight.shape == (6, 4, 4, 4)  # (in + 2, out, *k)
    assert (model[4].weight[4:] == 0).all()
    torch.testing.assert_close(model(x), before, rtol=1e-6, atol=1e-6)
    target = torch.linspace(0, 1, 8).expand(8, 1, 8, 8)  # a ramp along the width
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = nn.functional.mse_loss(model(torch.zeros_like(x)), target)  # only coordinates inform
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert model[4].weight[4:].abs().sum() > 0
    assert losses[-1] < 0.1 * losses[0]


def test_grouped_and_depthwise_convolutions_are_converted() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(4, 8, 3),
        nn.Conv2d(8, 8, 3, groups=8),  # depthwise
        nn.Conv2d(8, 4, 1, groups=2),
    )
    x = torch.randn(2, 4, 9, 8)
    before = model(x)
    convert_to_coordconv(model, layers="all")
    assert [type(m) for m in model] == [CoordConv2d, CoordConv2d, CoordConv2d]
    assert model[1].groups == 8
    assert model[1].weight.shape == (8, 1 + 2, 3, 3)  # each filter: its channel + x, y
    assert model[2].weight.shape == (4, 4 + 2, 1, 1)
    assert (model[1].coord_weight == 0).all()
    torch.testing.assert_close(model(x), before)
    with pytest.raises(ValueError, match="selected no convolution"):
        convert_to_coordconv(model, layers=lambda name, m: name == "1")  # already converted
    depthwise = convert_to_coordconv(nn.Conv1d(4, 8, 3, groups=4), layers="first", with_r=True)
    assert isinstance(depthwise, CoordConv1d)
    assert depthwise.weight.shape == (8, 1 + 2, 3)


@pytest.mark.parametrize(
    ("conv", "spatial"),
    [
        (nn.Conv1d(4, 6, 3, stride=2, padding=1, padding_mode="reflect", groups=2), (9,)),
        (nn.Conv2d(3, 8, 3, padding="same", dilation=2, bias=False), (7, 5)),
        (nn.Conv2d(4, 4, 3, padding=1, groups=4, padding_mode="circular"), (6, 5)),
        (nn.Conv3d(2, 4, 2, stride=(1, 2, 1), padding_mode="replicate", padding=1), (3, 4, 5)),
        (nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1, groups=2), (5,)),
        (nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), (3, 4)),
        (nn.ConvTranspose3d(2, 3, 2, stride=2, dilation=2), (2, 3, 2)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else "",
)
@pytest.mark.parametrize("coords", ["minus_one_one", "zero_one", "fourier"])
def test_from_conv_copies_everything_and_keeps_the_function(
    conv: nn.Module, spatial: tuple[int, ...], coords: str
) -> None:
    torch.manual_seed(0)
    conv = conv.double()
    layer = COORDCONV_FOR[type(conv)]
    x = torch.randn(2, conv.in_channels, *spatial, dtype=torch.float64)
    new = layer.from_conv(conv, coords=coords)
    assert type(new) is layer
    for name in ("stride", "padding", "dilation", "groups", "padding_mode", "output_padding"):
        assert getattr(new, name) == getattr(conv, name), name
    assert new.data_channels == conv.in_channels
    assert new.coords.name == coords
    assert torch.equal(new.data_weight, conv.weight)
    assert (new.coord_weight == 0).all()
    assert (new.bias is None) == (conv.bias is None)
    torch.testing.assert_close(new(x), conv(x), rtol=1e-12, atol=1e-12)


def test_a_plain_conv_with_hooks_is_wrapped_and_keeps_them() -> None:
    """A new layer would lose the hooks (the legacy weight_norm is a pre-forward hook)."""
    torch.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3, padding=1)
    conv.register_forward_hook(lambda module, args, out: 2 * out)
    model = nn.Sequential(conv, nn.Conv2d(3, 3, 1))
    x = torch.randn(2, 2, 5, 4)
    before = model(x)
    convert_to_coordconv(model, layers="all")
    assert isinstance(model[0], CoordConvWrapper)
    assert model[0].conv is conv
    assert isinstance(model[1], CoordConv2d)
    torch.testing.assert_close(model(x), before)


def test_from_conv_refuses_what_it_cannot_copy() -> None:
    with pytest.raises(ValueError, match=r"CoordConv2d.from_conv needs an Conv2d, got Conv1d"):
        CoordConv2d.from_conv(nn.Conv1d(2, 2, 3))
    with pytest.raises(ValueError, match="got a CoordConv layer"):
        CoordConv2d.from_conv(CoordConv2d(2, 2, 3))
    with pytest.raises(ValueError, match="run the lazy convolution once first"):
        CoordConv2d.from_conv(nn.LazyConv2d(2, 3))


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small"])
def test_torchvision_models_all_layers(name: str) -> None:
    """Every convolution of ResNet-18 / MobileNetV3-Small (depthwise ones included) converted:
    the same outputs, and the coordinate weights get gradients."""
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None, num_classes=7).eval()
    x = torch.randn(2, 3, 48, 40)
    with torch.no_grad():
        before = model(x)
    n_convs = sum(type(m) is nn.Conv2d for m in model.modules())
    depthwise = sum(type(m) is nn.Conv2d and m.groups > 1 for m in model.modules())
    convert_to_coordconv(model, layers="all", with_r=True)
    layers = [m for m in model.modules() if isinstance(m, CoordConv2d)]
    assert len(layers) == n_convs
    assert sum(m.groups > 1 for m in layers) == depthwise
    assert depthwise == (11 if name == "mobilenet_v3_small" else 0)
    with torch.no_grad():
        torch.testing.assert_close(model(x), before, rtol=1e-4, atol=1e-5)
    sizes: dict[nn.Module, tuple[int, ...]] = {}

    def record(module: nn.Module, args: tuple[torch.Tensor], out: torch.Tensor) -> None:
        sizes[module] = tuple(args[0].shape[2:])

    for layer in layers:
        layer.register_forward_hook(record)
    model(x).square().mean().backward()
    for layer in layers:
        grad = layer.weight.grad[:, layer.data_channels // layer.groups :]
        if sizes[layer] == (1, 1):  # squeeze-excitation convs: one position, all coordinates 0
            assert (grad == 0).all()
        else:
            assert grad.abs().sum() > 0
    assert sum(s != (1, 1) for s in sizes.values()) >= 20


def test_errors_and_edge_cases() -> None:
    with pytest.raises(ValueError, match="selected no convolution"):
        convert_to_coordconv(nn.Sequential(nn.Linear(2, 2)))
    with pytest.raises(ValueError, match="layers must be 'first', 'all' or a predicate"):
        convert_to_coordconv(nn.Conv2d(1, 1, 1), layers="last")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="selected no convolution"):
        convert_to_coordconv(nn.Sequential(CoordConv2d(1, 1, 1)), layers="all")  # already CoordConv
    conv = nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular", dtype=torch.float64).eval()
    conv.weight.requires_grad_(False)
    new = convert_to_coordconv(conv)  # a bare conv is returned converted
    assert isinstance(new, CoordConv2d)
    assert new.padding_mode == "circular"
    assert new.weight.dtype == torch.float64
    assert not new.training
    assert not new.weight.requires_grad and new.bias.requires_grad  # noqa: PT018
    shared = nn.Conv2d(1, 1, 1)
    model = nn.Sequential(shared, nn.Sequential(shared))
    convert_to_coordconv(model)
    assert isinstance(model[0], CoordConv2d)
    assert model[1][0] is model[0]  # a shared conv stays shared
