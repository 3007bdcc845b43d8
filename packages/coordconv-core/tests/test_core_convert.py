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
    convert_to_coordconv,
)


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


def test_grouped_convolutions_skipped_by_all_refused_when_selected() -> None:
    model = nn.Sequential(
        nn.Conv2d(4, 8, 3),
        nn.Conv2d(8, 8, 3, groups=8),  # depthwise
        nn.Conv1d(8, 2, 1),
    )
    convert_to_coordconv(model, layers="all")
    assert [type(m) for m in model] == [CoordConv2d, nn.Conv2d, CoordConv1d]
    with pytest.raises(ValueError, match=r"cannot convert 1 .*groups=8"):
        convert_to_coordconv(model, layers=lambda name, m: name == "1")
    with pytest.raises(ValueError, match="groups=2"):
        convert_to_coordconv(nn.Conv2d(4, 4, 3, groups=2), layers="first")


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
