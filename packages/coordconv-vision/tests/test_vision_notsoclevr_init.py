"""``--init official``: the official code's Keras ``he_normal`` kernels and zero biases (S2, S4)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_vision.notsoclevr.models import CoordConvPainter, DeconvPainter, build_model
from coordconv_vision.notsoclevr.models.init import (
    equivariant_init_,
    official_painter_init_,
)

# scipy.stats.truncnorm.std(-2, 2), the factor Keras's VarianceScaling divides its stddev by
KERAS_TRUNCATION = 0.87962566103423978


@pytest.mark.parametrize(
    ("layer", "fan_in"),
    [
        (nn.Conv2d(256, 256, 3), 256 * 9),
        # Keras's fan_in of a transposed conv: kernel area x OUTPUT channels
        (nn.ConvTranspose2d(128, 256, 3), 256 * 9),
    ],
)
def test_official_init_is_keras_he_normal_on_a_large_layer(layer: nn.Module, fan_in: int) -> None:
    torch.manual_seed(0)
    official_painter_init_(layer)
    w = layer.weight.detach().double().flatten()  # 589,824 draws
    target = math.sqrt(2.0 / fan_in)  # the truncated draw's std: Keras's whole point
    bound = 2 * target / KERAS_TRUNCATION  # cut at 2 std of the un-truncated normal
    assert abs(w.std().item() / target - 1) < 0.01
    assert abs(w.mean().item()) < 0.01 * target
    assert w.abs().max().item() <= bound
    # truncated, not clipped: no mass piled on the cut, but draws close to it
    assert (w.abs() > 0.999 * bound).float().mean().item() < 1e-3
    assert (w.abs() > 0.95 * bound).float().mean().item() > 5e-3
    assert torch.count_nonzero(layer.bias) == 0


@pytest.mark.parametrize(
    ("task", "model", "layers"),
    [
        ("classification", "coordconv", 5),
        ("rendering", "coordconv", 10),  # the painter's 5 and the painting convs' 5
        ("classification", "deconv", 6),
        ("rendering", "deconv", 6),
    ],
)
def test_official_init_covers_every_conv_of_the_painters(
    task: str, model: str, layers: int
) -> None:
    torch.manual_seed(0)
    net = build_model(task, model, "quadrant", init="official", filter_size=2)
    convs = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    assert len(convs) == layers
    for conv in convs:
        bound = 2 * math.sqrt(2.0 / conv.weight[0].numel()) / KERAS_TRUNCATION
        assert conv.weight.abs().max().item() <= bound
        assert torch.count_nonzero(conv.bias) == 0
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(torch.all(n.weight == 1) and torch.all(n.bias == 0) for n in norms)


def test_official_first_layer_fan_in_counts_the_coordinate_channels() -> None:
    # the official CoordConv painter's first Conv2D sees (x, y) tiled + 2 coordinate channels
    torch.manual_seed(0)
    first = official_painter_init_(CoordConvPainter()).layers[0]
    assert isinstance(first, CoordConv2d)
    assert first.weight[0].numel() == 4
    wide = official_painter_init_(CoordConv2d(2, 4096, 1)).weight  # the same layer, 16,384 draws
    assert abs(wide.std().item() / math.sqrt(2 / 4) - 1) < 0.03
    assert wide.abs().max().item() <= 2 * math.sqrt(2 / 4) / KERAS_TRUNCATION
    # PyTorch's default (kaiming-uniform, a = sqrt 5) is bounded by 1 / sqrt(fan_in) = 0.5
    assert wide.abs().max().item() > 0.5


def test_inits_that_do_not_apply_are_refused() -> None:
    with pytest.raises(ValueError, match="does not apply"):
        build_model("classification", "deconv", "quadrant", init="equivariant")
    with pytest.raises(ValueError, match="CoordConv painter"):
        equivariant_init_(DeconvPainter())
