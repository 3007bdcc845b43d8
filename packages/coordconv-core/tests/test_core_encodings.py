"""Exact tests of every coordinate encoding (``coords=``) on small hand-computed grids.

Inputs are non-square (H != W, and D, H, W distinct) so that a swapped axis or a channel divided
by the wrong side shows. Channel order: x (along the last dim, W) first, then y (H), then z (D).
"""

from __future__ import annotations

import math

import pytest
import torch

from coordconv_core import AddCoords, CoordEncoding, add_coords, coordinate_grid

F64 = torch.float64


def rows(values: list[float], height: int) -> torch.Tensor:
    """``(height, len(values))``: every row holds ``values`` (a channel varying along W)."""
    return torch.tensor([values] * height, dtype=F64)


def columns(values: list[float], width: int) -> torch.Tensor:
    """``(len(values), width)``: row ``i`` holds ``values[i]`` (a channel varying along H)."""
    return torch.tensor([[v] * width for v in values], dtype=F64)


def radius(xs: list[float], ys: list[float], cx: float, cy: float) -> torch.Tensor:
    return torch.tensor([[math.hypot(x - cx, y - cy) for x in xs] for y in ys], dtype=F64)


# H = 3, W = 5: per encoding the x values (along W), the y values (along H) and the centre.
AFFINE = {
    "minus_one_one": ([-1, -0.5, 0, 0.5, 1], [-1, 0, 1], (0.0, 0.0)),
    "minus_half_half": ([-0.5, -0.25, 0, 0.25, 0.5], [-0.5, 0, 0.5], (0.0, 0.0)),
    "zero_one": ([0, 0.25, 0.5, 0.75, 1], [0, 0.5, 1], (0.5, 0.5)),
    "pixels": ([0, 1, 2, 3, 4], [0, 1, 2], (2.0, 1.0)),
}


@pytest.mark.parametrize("name", list(AFFINE))
def test_affine_encodings_on_a_3x5_grid(name: str) -> None:
    xs, ys, (cx, cy) = AFFINE[name]
    grid = coordinate_grid((3, 5), with_r=True, coords=name, dtype=F64)
    assert grid.shape == (3, 3, 5)
    assert torch.equal(grid[0], rows(xs, 3))  # x varies along the width
    assert torch.equal(grid[1], columns(ys, 5))  # y varies along the height
    torch.testing.assert_close(grid[2], radius(xs, ys, cx, cy), rtol=0, atol=1e-15)
    assert torch.equal(coordinate_grid((3, 5), coords=name, dtype=F64), grid[:2])  # r last


def test_thirds_are_one_correctly_rounded_division() -> None:
    """W = 4: thirds, each the float nearest to the exact value (float32 too)."""
    third = 1 / 3
    expected = {
        "minus_one_one": [-1, -third, third, 1],
        "minus_half_half": [-0.5, -1 / 6, 1 / 6, 0.5],
        "zero_one": [0, third, 2 / 3, 1],
        "pixels": [0, 1, 2, 3],
    }
    for name, values in expected.items():
        for dtype in (F64, torch.float32):
            got = coordinate_grid((1, 4), coords=name, dtype=dtype)[0, 0]
            assert torch.equal(got, torch.tensor(values, dtype=F64).to(dtype)), (name, dtype)


def test_3d_channels_follow_w_h_d_with_distinct_sides() -> None:
    """D=2, H=3, W=4: x along W, y along H, z along D, r the distance to the centre."""
    grid = coordinate_grid((2, 3, 4), with_r=True, coords="pixels", dtype=F64)
    assert grid.shape == (4, 2, 3, 4)
    d, h, w = torch.meshgrid(*(torch.arange(s, dtype=F64) for s in (2, 3, 4)), indexing="ij")
    assert torch.equal(grid[0], w)
    assert torch.equal(grid[1], h)
    assert torch.equal(grid[2], d)
    r = torch.sqrt((w - 1.5) ** 2 + (h - 1.0) ** 2 + (d - 0.5) ** 2)
    torch.testing.assert_close(grid[3], r, rtol=0, atol=1e-15)
    zero_one = coordinate_grid((2, 3, 4), coords="zero_one", dtype=F64)
    assert torch.equal(zero_one[2], d)  # D = 2: 0 and 1
    assert torch.equal(zero_one[0], w / 3)


@pytest.mark.parametrize(
    ("name", "centre"),
    [("minus_one_one", 0.0), ("minus_half_half", 0.0), ("zero_one", 0.5), ("pixels", 0.0)],
)
def test_a_side_of_size_one_sits_at_its_centre(name: str, centre: float) -> None:
    grid = coordinate_grid((1, 3), with_r=True, coords=name, dtype=F64)
    assert torch.equal(grid[1], torch.full((1, 3), centre, dtype=F64))
    torch.testing.assert_close(grid[2], (grid[0] - grid[0, 0, 1]).abs())  # r: along x only


def test_r_is_in_the_units_of_each_encoding() -> None:
    """r of [-1, 1] is twice r of [-1/2, 1/2] and of [0, 1] (same centre, half the scale)."""
    r = {n: coordinate_grid((4, 7), with_r=True, coords=n, dtype=F64)[2] for n in AFFINE}
    torch.testing.assert_close(r["minus_half_half"], r["minus_one_one"] / 2, rtol=0, atol=1e-15)
    torch.testing.assert_close(r["zero_one"], r["minus_half_half"], rtol=0, atol=1e-15)


def test_fixed_fourier_features_on_a_3x2_grid() -> None:
    """H=3, W=2, two frequencies (1/2 and 1 cycle per side): cos block then sin block, each
    x (W) then y (H), frequency ascending; v = zero_one coordinates."""
    grid = coordinate_grid((3, 2), coords=CoordEncoding("fourier", 2), dtype=F64)
    assert grid.shape == (8, 3, 2)
    vx, vy = [0.0, 1.0], [0.0, 0.5, 1.0]
    expected = []
    for fn in (math.cos, math.sin):
        for values, make in ((vx, rows), (vy, columns)):
            for f in (0.5, 1.0):
                expected.append(
                    make([fn(2 * math.pi * f * v) for v in values], 3 if make is rows else 2)
                )
    torch.testing.assert_close(grid, torch.stack(expected), rtol=0, atol=1e-15)
    # by hand: x at 1/2 cycle: cos 1, -1; y at 1/2 cycle: sin 0, 1, 0
    torch.testing.assert_close(grid[0, 0], torch.tensor([1.0, -1.0], dtype=F64), rtol=0, atol=1e-15)
    torch.testing.assert_close(
        grid[6, :, 0], torch.tensor([0.0, 1.0, 0.0], dtype=F64), atol=1e-15, rtol=0
    )


def test_default_fourier_is_four_powers_of_two_per_axis() -> None:
    encoding = CoordEncoding("fourier")
    b = encoding.frequency_matrix(2)
    powers = [0.5, 1.0, 2.0, 4.0]
    assert b.tolist() == [[p, 0.0] for p in powers] + [[0.0, p] for p in powers]
    assert encoding.channels(1) == 8
    assert encoding.channels(2) == 16
    assert encoding.channels(3) == 24
    assert coordinate_grid((3, 4, 5), coords="fourier").shape == (24, 3, 4, 5)


def test_random_fourier_features_are_seeded_gaussian(device: torch.device) -> None:
    encoding = CoordEncoding("fourier", num_frequencies=3, sigma=10.0, seed=7)
    b = encoding.frequency_matrix(2)
    generator = torch.Generator().manual_seed(7)
    assert torch.equal(b, 10.0 * torch.randn(3, 2, generator=generator, dtype=F64))
    assert torch.equal(b, encoding.frequency_matrix(2))  # same seed, same B
    assert not torch.equal(b, CoordEncoding("fourier", 3, sigma=10.0, seed=8).frequency_matrix(2))
    wide = CoordEncoding("fourier", num_frequencies=64, sigma=3.0).frequency_matrix(3)
    assert 2.0 < wide.std().item() < 4.0
    grid = coordinate_grid((3, 2), coords=encoding, dtype=F64)
    assert grid.shape == (6, 3, 2)  # 2 * num_frequencies channels whatever the rank
    v = torch.stack(
        torch.meshgrid(
            torch.tensor([0.0, 0.5, 1.0], dtype=F64),
            torch.tensor([0.0, 1.0], dtype=F64),
            indexing="ij",
        )[::-1]
    )
    angle = 2 * math.pi * torch.einsum("md,dhw->mhw", b, v)
    torch.testing.assert_close(grid, torch.cat([angle.cos(), angle.sin()]), rtol=0, atol=1e-12)
    on_device = coordinate_grid((3, 2), coords=encoding, dtype=F64, device=device)
    torch.testing.assert_close(on_device.cpu(), grid, rtol=0, atol=1e-12)  # B drawn on the CPU
    layer = AddCoords(2, coords=encoding)
    assert torch.equal(layer.fourier_frequencies, b.float())
    assert "fourier_frequencies" in layer.state_dict()
    x = torch.zeros(1, 1, 3, 2, dtype=F64)  # B was stored in float32 (the default dtype)
    torch.testing.assert_close(layer(x)[0, 1:], grid, rtol=0, atol=2e-5)


def test_add_coords_and_module_take_the_encoding() -> None:
    x = torch.randn(2, 3, 4, 6)
    for coords in ("zero_one", "pixels", CoordEncoding("fourier", 1)):
        out = add_coords(x, coords=coords)
        grid = coordinate_grid((4, 6), coords=coords)
        assert torch.equal(out[:, 3:], grid.expand(2, *grid.shape))
        module = AddCoords(2, coords=coords)
        assert torch.equal(module(x), out)
        assert module.extra_channels == grid.shape[0]
    assert "coords=pixels" in repr(AddCoords(2, coords="pixels"))
    assert "coords=fourier(num_frequencies=3, sigma=2.0, seed=1)" in repr(
        AddCoords(1, coords=CoordEncoding("fourier", 3, sigma=2.0, seed=1))
    )


def test_low_precision_affine_encodings_round_once_from_float32() -> None:
    for name in ("zero_one", "pixels", "minus_half_half"):
        grid = coordinate_grid((300,), coords=name, dtype=torch.bfloat16, with_r=True)
        want = coordinate_grid((300,), coords=name, dtype=torch.float32, with_r=True)
        assert torch.equal(grid, want.to(torch.bfloat16))


def test_errors() -> None:
    with pytest.raises(ValueError, match="coords must be one of minus_one_one, minus_half_half"):
        coordinate_grid((3, 3), coords="unit")
    with pytest.raises(ValueError, match="coords must be a name or a CoordEncoding"):
        add_coords(torch.zeros(1, 1, 2, 2), coords=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"with_r=True has no meaning for coords='fourier'"):
        coordinate_grid((3, 3), with_r=True, coords="fourier")
    with pytest.raises(ValueError, match="with_r=True has no meaning"):
        AddCoords(2, with_r=True, coords="fourier")
    with pytest.raises(ValueError, match="apply to coords='fourier' only"):
        CoordEncoding("zero_one", sigma=1.0)
    with pytest.raises(ValueError, match=r"num_frequencies must be in 1\.\.64"):
        CoordEncoding("fourier", 0)
    with pytest.raises(ValueError, match="num_frequencies must be an int"):
        CoordEncoding("fourier", 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sigma must be a positive finite number"):
        CoordEncoding("fourier", sigma=-1.0)
    with pytest.raises(ValueError, match="has no frequencies"):
        CoordEncoding("pixels").frequency_matrix(2)
