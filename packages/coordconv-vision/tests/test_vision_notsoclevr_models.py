"""Not-so-Clevr models: the paper's parameter counts, output shapes, fast == plain forward."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_vision.notsoclevr.models import (
    CoordConvPainter,
    CoordConvRenderer,
    DeconvPainter,
    build_model,
    conv_quadrant,
    conv_uniform,
    coordconv_regressor,
    count_parameters,
)


def test_coordconv_painter_has_the_papers_7553_parameters() -> None:
    model = CoordConvPainter()
    assert count_parameters(model) == 7_553
    assert isinstance(model.layers[0], CoordConv2d)
    assert model.layers[0].weight.shape == (32, 4, 1, 1)  # tiled (x, y) + 2 coordinate channels


@pytest.mark.parametrize(("fs", "params"), [(1, 8_074), (2, 9_490), (3, 11_850)])
def test_coordconv_renderer_sizes(fs: int, params: int) -> None:
    # fs 2 is the paper's 9,490; fs 1 the official commands'; fs 3 the official default
    assert count_parameters(CoordConvRenderer(filter_size=fs)) == params


@pytest.mark.parametrize(
    ("where_loss", "painter_learns"), [("none", True), ("joint", True), ("separate", False)]
)
def test_separate_where_loss_keeps_the_rendering_loss_out_of_the_painter(
    where_loss: str, painter_learns: bool
) -> None:
    torch.manual_seed(0)
    model = CoordConvRenderer(filter_size=3, where_loss=where_loss)
    logits, where_logits = model(torch.rand(4, 2) * 2 - 1, return_where_logits=True)
    assert logits.shape == where_logits.shape == (4, 64, 64)
    nn.functional.binary_cross_entropy_with_logits(logits, torch.rand(4, 64, 64)).backward()
    painter_grad = sum(p.grad.abs().sum() for p in model.painter.parameters() if p.grad is not None)
    assert (float(painter_grad) > 0) == painter_learns
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.paint.parameters())
    with pytest.raises(ValueError, match="where_loss"):
        CoordConvRenderer(where_loss="both")


def test_coordconv_regressor_has_906_parameters() -> None:
    assert count_parameters(coordconv_regressor()) == 906


@pytest.mark.parametrize(
    ("fs", "mult", "params"),
    [(2, 1, 46_465), (3, 1, 103_585), (4, 1, 183_553), (2, 2, 183_041), (4, 3, 1_632_001)],
)
def test_deconv_sizes_span_the_papers_50k_to_1_6m(fs: int, mult: int, params: int) -> None:
    model = DeconvPainter(fs, mult)
    assert count_parameters(model) == params
    assert model(torch.zeros(3, 2)).shape == (3, 64, 64)


@pytest.mark.parametrize(
    "make", [CoordConvPainter, lambda: CoordConvPainter(channel_mult=2), CoordConvRenderer]
)
def test_painters_map_coordinates_to_64x64(make) -> None:
    assert make()(torch.zeros(5, 2)).shape == (5, 64, 64)


@pytest.mark.parametrize("make", [conv_uniform, conv_quadrant, coordconv_regressor])
def test_regressors_map_images_to_two_numbers(make) -> None:
    assert make()(torch.zeros(4, 1, 64, 64)).shape == (4, 2)


@pytest.mark.parametrize(
    "painter",
    [
        lambda: CoordConvPainter(),
        lambda: CoordConvPainter(channel_mult=2),
        lambda: CoordConvPainter(with_r=True),
        lambda: CoordConvPainter(size=16, conv_layer=nn.Conv2d),
    ],
)
def test_fast_forward_equals_plain_conv_forward(painter) -> None:
    torch.manual_seed(0)
    model = painter()
    coords = torch.rand(6, 2) * 2 - 1
    fast, plain = model(coords), model.forward_reference(coords)
    torch.testing.assert_close(fast, plain, rtol=1e-5, atol=1e-5)
    # and the gradients agree too, so training the fast path trains the paper's model
    target = torch.randint(0, fast[0].numel(), (6,))
    grads = []
    for out in (model(coords), model.forward_reference(coords)):
        model.zero_grad()
        nn.functional.cross_entropy(out.flatten(1), target).backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_painter_refuses_wrong_input_shape() -> None:
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        CoordConvPainter()(torch.zeros(3, 3))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        DeconvPainter()(torch.zeros(3))


def test_build_model_follows_the_task_table() -> None:
    assert count_parameters(build_model("classification", "coordconv", "uniform")) == 7_553
    assert count_parameters(build_model("rendering", "coordconv", "uniform")) == 9_490
    assert count_parameters(build_model("regression", "coordconv", "quadrant")) == 908
    assert isinstance(build_model("regression", "conv", "quadrant")[0], nn.Conv2d)
    assert isinstance(build_model("regression", "conv", "uniform")[-1], nn.Linear)
    with pytest.raises(ValueError, match="does not apply"):
        build_model("regression", "deconv", "uniform")
    with pytest.raises(ValueError, match="filter size"):
        DeconvPainter(filter_size=5)


def test_equivariant_init_makes_the_logit_map_move_with_the_input() -> None:
    # every first-layer unit sees only (x - i, y - j): the map of (x + 3, y + 5) is the map of
    # (x, y) moved by (3, 5) pixels, exactly; from PyTorch's default init it is not
    torch.manual_seed(0)
    step = 2 / 63  # one pixel in [-1, 1] coordinates
    coords = torch.tensor([[20 * step - 1, 25 * step - 1], [23 * step - 1, 30 * step - 1]])
    default = CoordConvPainter()
    equivariant = CoordConvPainter().init_translation_equivariant_()
    w = equivariant.layers[0].weight.flatten(1)  # (32, 4): x, y, coordinate x, coordinate y
    assert torch.equal(w[:, 2:], -w[:, :2])
    with torch.no_grad():
        for model, moves in ((equivariant, True), (default, False)):
            a, b = model(coords)  # (64, 64) each, row y, column x
            same = torch.allclose(a[:59, :61], b[5:, 3:], atol=1e-5)
            assert same == moves
    with torch.no_grad():  # the renderer's painter too, through build_model
        renderer = build_model("rendering", "coordconv", "quadrant", init="equivariant")
        w = renderer.painter.layers[0].weight.flatten(1)
        assert torch.equal(w[:, 2:], -w[:, :2])
    with pytest.raises(ValueError, match="init"):
        build_model("classification", "coordconv", "quadrant", init="he")
