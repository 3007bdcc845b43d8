"""The regression models' parts: TF's he_normal, the fast linear stack, the soft-argmax read-out,
the --readout flag."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_train import UserError
from coordconv_vision.notsoclevr.config import NotSoClevrConfig, resolve
from coordconv_vision.notsoclevr.models import (
    LinearConvStack,
    SoftArgmax2d,
    build_model,
    coordconv_regressor,
    coordconv_softargmax_regressor,
    count_parameters,
    tf_he_normal_,
)


def test_parameter_counts() -> None:
    # table S1's CoordConv model is 906; ours adds the read-out's 2 offsets
    assert count_parameters(coordconv_regressor()) == 906
    assert count_parameters(coordconv_softargmax_regressor()) == 908
    assert count_parameters(build_model("regression", "coordconv", "quadrant")) == 908
    assert count_parameters(build_model("regression", "coordconv", "uniform", readout="max")) == 906
    with pytest.raises(ValueError, match="readout"):
        build_model("regression", "coordconv", "uniform", readout="mean")


def test_tf_he_normal_is_a_normal_truncated_at_two_std_with_std_sqrt_2_over_fan_in() -> None:
    torch.manual_seed(0)
    weight = torch.empty(4096, 8, 3, 3)  # fan_in 72
    tf_he_normal_(weight)
    target = math.sqrt(2 / 72)
    # TF divides by the std of a unit normal truncated at +-2 (0.8796...) so the draw has the
    # target std; the cut-off is 2 x the undivided std
    assert abs(weight.std().item() / target - 1) < 0.01
    assert weight.abs().max().item() <= 2 * target / 0.87962566103423978
    assert abs(weight.mean().item()) < 0.01 * target


def test_official_init_zeroes_the_biases() -> None:
    model = coordconv_regressor()
    biases = [m.bias for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(biases) == 5
    assert all(bool((b == 0).all()) for b in biases)


def _sparse_images() -> torch.Tensor:
    """Six 64x64 images: one-hots (one at the corner of the allowed area), two pixels, a value 2."""
    x = torch.zeros(6, 1, 64, 64)
    for n, (row, col, value) in enumerate(
        [(4, 4, 1.0), (59, 59, 1.0), (1, 62, 1.0), (30, 31, 2.0), (10, 50, -0.5), (62, 1, 1.0)]
    ):
        x[n, 0, row, col] = value
    x[3, 0, 33, 12] = 1.0  # a second pixel in one image
    return x


@pytest.mark.parametrize("first", [CoordConv2d, nn.Conv2d])
@pytest.mark.parametrize(
    "make_input",
    [
        _sparse_images,
        lambda: torch.rand(3, 1, 64, 64),  # dense: falls back to the layers
        lambda: torch.eye(64)[None, None].repeat(2, 1, 1, 1),  # touches the border ring
    ],
)
def test_linear_stack_fast_forward_equals_the_layers(first, make_input) -> None:
    torch.manual_seed(0)
    stack = LinearConvStack(
        first(1, 8, 1), nn.Conv2d(8, 8, 1), nn.Conv2d(8, 8, 3, padding=1),
        nn.Conv2d(8, 2, 3, padding=1),
    )  # fmt: skip
    x = make_input()
    fast, plain = stack(x), stack.forward_reference(x)
    torch.testing.assert_close(fast, plain, rtol=1e-5, atol=1e-5)
    weights = torch.randn_like(fast)
    grads = []
    for out in (stack(x), stack.forward_reference(x)):
        stack.zero_grad()
        (out * weights).sum().backward()
        grads.append([p.grad.clone() for p in stack.parameters()])
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-3)


def test_linear_stack_gives_input_gradients_at_every_pixel() -> None:
    stack = LinearConvStack(nn.Conv2d(1, 2, 3, padding=1))
    x = _sparse_images().requires_grad_(True)
    stack(x).sum().backward()
    assert x.grad is not None
    assert bool((x.grad != 0).any(dim=0).all())


def test_linear_stack_composed_kernel_of_two_3x3_is_5x5() -> None:
    # two 3x3 box filters compose to the 5x5 triangle filter [1 2 3 2 1] x [1 2 3 2 1]
    stack = LinearConvStack(nn.Conv2d(1, 1, 3, padding=1, bias=False),
                            nn.Conv2d(1, 1, 3, padding=1, bias=False))  # fmt: skip
    for layer in stack:
        nn.init.ones_(layer.weight)
    tri = torch.tensor([1.0, 2.0, 3.0, 2.0, 1.0])
    torch.testing.assert_close(stack.composed_kernel()[0, 0], tri[:, None] * tri[None, :])
    assert stack.ring == 1


def test_linear_stack_refuses_strided_or_even_convolutions() -> None:
    with pytest.raises(ValueError, match="stride-1 'same'"):
        LinearConvStack(nn.Conv2d(1, 2, 3, stride=2, padding=1))
    with pytest.raises(ValueError, match="stride-1 'same'"):
        LinearConvStack(nn.Conv2d(1, 2, 2, padding=1))
    with pytest.raises(ValueError, match=r"nn\.Conv2d"):
        LinearConvStack(nn.Conv2d(1, 2, 1), nn.ReLU())


def test_soft_argmax_reads_the_peak_in_addcoords_units() -> None:
    logits = torch.zeros(2, 2, 64, 64)
    logits[0, 0, 10, 40] = 100.0  # x channel peaks at column 40
    logits[0, 1, 20, 5] = 100.0  # y channel peaks at row 20
    logits[1] = 0.0  # flat: the mean of the grid, (0, 0)
    readout = SoftArgmax2d()
    with torch.no_grad():
        readout.offset.copy_(torch.tensor([0.25, -0.5]))
    out = readout(logits)
    expected = torch.tensor([[2 * 40 / 63 - 1 + 0.25, 2 * 20 / 63 - 1 - 0.5], [0.25, -0.5]])
    torch.testing.assert_close(out, expected)
    assert count_parameters(readout) == 2
    assert count_parameters(SoftArgmax2d(offset=False)) == 0
    with pytest.raises(ValueError, match=r"\(N, 2, H, W\)"):
        readout(torch.zeros(1, 3, 8, 8))


def test_readout_flag_resolves_defaults_and_refuses_other_models() -> None:
    ours = resolve(NotSoClevrConfig(task="regression", model="coordconv"))
    assert ours.readout == "softargmax"
    official = resolve(NotSoClevrConfig(task="regression", model="coordconv", readout="max"))
    # the official command: Adam lr 0.01, --l2 1e-5 (torch weight decay 2e-5), 100 epochs,
    # train.py's default minibatch 256
    assert (official.epochs, official.batch_size) == (100, 256)
    assert (official.lr, official.wd) == (0.01, 2e-5)
    with pytest.raises(UserError, match="--readout applies only"):
        resolve(NotSoClevrConfig(task="classification", readout="max"))
    with pytest.raises(UserError, match="--readout table-s1 applies only"):
        resolve(NotSoClevrConfig(task="regression", model="coordconv", readout="table-s1"))
    with pytest.raises(UserError, match="--raw-coords"):
        resolve(NotSoClevrConfig(task="regression", model="coordconv", raw_coords=True))
    raw = resolve(
        NotSoClevrConfig(task="regression", model="coordconv", readout="max", raw_coords=True)
    )
    assert raw.raw_coords
