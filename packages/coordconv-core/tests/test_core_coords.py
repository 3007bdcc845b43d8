"""Exact tests of the coordinate channels (paper section S9) and ``AddCoords``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from coordconv_core import AddCoords, add_coords, coordinate_grid


def s9_add_coords(input_tensor: np.ndarray, with_r: bool = False) -> np.ndarray:
    """The paper's S9 TensorFlow ``AddCoords.call``, line by line in numpy.

    ``input_tensor``: ``(batch, x_dim, y_dim, c)`` (channels last; S9's ``x_dim`` is the height).
    """
    batch_size_tensor, x_dim, y_dim = input_tensor.shape[:3]
    xx_ones = np.ones([batch_size_tensor, x_dim], dtype=np.int32)
    xx_ones = np.expand_dims(xx_ones, -1)
    xx_range = np.tile(np.expand_dims(np.arange(y_dim), 0), [batch_size_tensor, 1])
    xx_range = np.expand_dims(xx_range, 1)
    xx_channel = np.matmul(xx_ones, xx_range)
    xx_channel = np.expand_dims(xx_channel, -1)
    yy_ones = np.ones([batch_size_tensor, y_dim], dtype=np.int32)
    yy_ones = np.expand_dims(yy_ones, 1)
    yy_range = np.tile(np.expand_dims(np.arange(x_dim), 0), [batch_size_tensor, 1])
    yy_range = np.expand_dims(yy_range, -1)
    yy_channel = np.matmul(yy_range, yy_ones)
    yy_channel = np.expand_dims(yy_channel, -1)
    xx_channel = xx_channel.astype(np.float32) / (x_dim - 1)
    yy_channel = yy_channel.astype(np.float32) / (y_dim - 1)
    xx_channel = xx_channel * 2 - 1
    yy_channel = yy_channel * 2 - 1
    ret = np.concatenate([input_tensor, xx_channel, yy_channel], axis=-1)
    if with_r:
        rr = np.sqrt(np.square(xx_channel) + np.square(yy_channel))
        ret = np.concatenate([ret, rr], axis=-1)
    return ret


def test_hand_computed_3x4_grid() -> None:
    """H=3, W=4: x = -1, -1/3, 1/3, 1 along the width; y = -1, 0, 1 down the height."""
    grid = coordinate_grid((3, 4), with_r=True, dtype=torch.float64)
    third = 1 / 3
    xs = [-1.0, -third, third, 1.0]
    ys = [-1.0, 0.0, 1.0]
    assert grid.shape == (3, 3, 4)
    assert torch.equal(grid[0], torch.tensor([xs, xs, xs], dtype=torch.float64))
    assert torch.equal(grid[1], torch.tensor([[y] * 4 for y in ys], dtype=torch.float64))
    r = torch.tensor([[math.sqrt(x * x + y * y) for x in xs] for y in ys], dtype=torch.float64)
    torch.testing.assert_close(grid[2], r, rtol=0, atol=1e-15)
    assert grid[2, 1, 1].item() == pytest.approx(third)  # centre row: r == |x|
    assert grid[2, 0, 0].item() == pytest.approx(math.sqrt(2))


def test_size_one_sides_are_zero_not_nan() -> None:
    grid = coordinate_grid((1, 5, 1), with_r=True)
    assert not torch.isnan(grid).any()
    assert torch.equal(grid[0], torch.zeros(1, 5, 1))  # varies along the last dim (size 1)
    assert torch.equal(grid[2], torch.zeros(1, 5, 1))  # first dim (size 1)
    torch.testing.assert_close(grid[1, 0, :, 0], torch.linspace(-1, 1, 5))
    torch.testing.assert_close(grid[3], grid[1].abs())


@pytest.mark.parametrize("side", [2, 3, 8, 64])
@pytest.mark.parametrize("with_r", [False, True])
def test_matches_paper_s9_on_square_inputs(side: int, with_r: bool) -> None:
    rng = np.random.default_rng(side)
    nhwc = rng.standard_normal((2, side, side, 3)).astype(np.float32)
    expected = s9_add_coords(nhwc, with_r=with_r)
    ours = add_coords(torch.from_numpy(nhwc).permute(0, 3, 1, 2), with_r=with_r)  # NCHW
    np.testing.assert_allclose(ours.permute(0, 2, 3, 1).numpy(), expected, rtol=0, atol=1e-6)


def test_non_square_both_axes_use_their_own_side() -> None:
    """H=3, W=5. S9 divides the width index by H-1 (values up to 3); we divide by W-1."""
    x = torch.zeros(1, 1, 3, 5)
    out = add_coords(x)
    xs = torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0])
    ys = torch.tensor([-1.0, 0.0, 1.0])
    assert torch.equal(out[0, 1], xs.expand(3, 5))
    assert torch.equal(out[0, 2], ys[:, None].expand(3, 5))
    s9 = s9_add_coords(x.permute(0, 2, 3, 1).numpy())
    assert s9[..., 1].max() == pytest.approx(3.0)  # the known S9 bug we do not copy
    assert s9[..., 2].max() == pytest.approx(0.0)  # y never reaches 1


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_add_coords_layout_and_module(rank: int, device: torch.device) -> None:
    spatial = (4, 3, 2)[:rank]
    x = torch.randn(2, 3, *spatial, device=device, dtype=torch.float64)
    out = AddCoords(rank, with_r=True)(x)
    assert out.shape == (2, 3 + rank + 1, *spatial)
    assert out.device == x.device
    assert out.dtype == x.dtype
    assert torch.equal(out[:, :3], x)
    assert torch.equal(out[0, 3:], out[1, 3:])
    for k in range(rank):  # channel k varies along spatial dim rank - 1 - k only
        channel = out[0, 3 + k]
        dim = rank - 1 - k
        line = torch.linspace(-1, 1, spatial[dim], dtype=torch.float64, device=device)
        shape = [1] * rank
        shape[dim] = spatial[dim]
        torch.testing.assert_close(channel, line.view(shape).expand(spatial))
    assert AddCoords(rank, with_r=True).extra_channels == rank + 1


def test_low_precision_dtypes_are_rounded_from_float32() -> None:
    for dtype in (torch.float16, torch.bfloat16):
        grid = coordinate_grid((300,), dtype=dtype)
        assert grid.dtype == dtype
        assert torch.equal(grid, coordinate_grid((300,), dtype=torch.float32).to(dtype))


def test_errors() -> None:
    with pytest.raises(ValueError, match="rank must be 1, 2 or 3"):
        AddCoords(4)
    with pytest.raises(ValueError, match=r"expects a 4-D .* got shape \(3, 4, 5\)"):
        AddCoords(2)(torch.zeros(3, 4, 5))
    with pytest.raises(ValueError, match="1 to 3 spatial dims"):
        add_coords(torch.zeros(1, 1, 2, 2, 2, 2))
    with pytest.raises(ValueError, match="channels-first batch"):
        add_coords(torch.zeros(4, 5))
    with pytest.raises(TypeError, match="floating input"):
        add_coords(torch.zeros(1, 1, 4, 4, dtype=torch.uint8))
    with pytest.raises(TypeError, match="floating dtype"):
        coordinate_grid((3,), dtype=torch.int64)


@settings(max_examples=40, deadline=None)
@given(
    spatial=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    channels=st.integers(0, 3),
    batch=st.integers(1, 3),
    with_r=st.booleans(),
    dtype=st.sampled_from([torch.float16, torch.bfloat16, torch.float32, torch.float64]),
)
def test_property_add_coords(
    spatial: list[int], channels: int, batch: int, with_r: bool, dtype: torch.dtype
) -> None:
    rank = len(spatial)
    x = torch.randn(batch, channels, *spatial).to(dtype)
    out = add_coords(x, with_r=with_r)
    assert out.shape == (batch, channels + rank + with_r, *spatial)
    assert out.dtype == dtype
    assert torch.equal(out[:, :channels], x)
    coords = out[:, channels : channels + rank].double()
    assert not torch.isnan(out).any()
    assert coords.abs().max() <= 1
    for k in range(rank):
        dim = rank - 1 - k
        moved = coords[:, k].movedim(dim + 1, -1)  # (batch, ..., size of dim)
        if spatial[dim] > 1:  # every line runs from -1 to 1, increasing
            assert torch.all(moved[..., 0] == -1)
            assert torch.all(moved[..., -1] == 1)
            assert torch.all(moved.diff(dim=-1) > 0)
        else:
            assert torch.all(moved == 0)
    if with_r:
        r = out[:, -1].double()
        torch.testing.assert_close(r, coords.square().sum(1).sqrt(), rtol=1e-2, atol=1e-2)
