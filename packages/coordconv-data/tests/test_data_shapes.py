"""Two-object shapes (docs/architecture.md): exact drawing, no overlap, metadata matches pixels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordconv_data import DatasetError, shapes

WHITE = np.array([255, 255, 255])


def object_masks(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels touched by the red object and by the blue object (any non-white tint)."""
    im = image.astype(int)
    red = (im[..., 0] == 255) & (im[..., 1] == im[..., 2]) & (im[..., 1] < 255)
    blue = (im[..., 2] == 255) & (im[..., 0] == im[..., 1]) & (im[..., 0] < 255)
    return red, blue


def expected_mask(kind: int, centre: np.ndarray, size: float) -> np.ndarray:
    """The object's pixels from the documented rule (pixel centres at integer coordinates)."""
    ys, xs = np.mgrid[0:64, 0:64]
    dx, dy = xs - centre[0], ys - centre[1]
    if kind == shapes.SQUARE:
        return (np.abs(dx) < size / 2) & (np.abs(dy) < size / 2)
    return dx**2 + dy**2 <= (size / 2) ** 2


@pytest.fixture(scope="module")
def data() -> shapes.ShapesData:
    return shapes.generate(n=300, seed=1)


def test_arrays_have_the_contract_layout(data):
    assert data.images.shape == (300, 64, 64, 3)
    assert data.images.dtype == np.uint8
    assert data.kinds.shape == (300, 2)
    assert data.kinds.dtype == np.int8
    assert data.centres.shape == (300, 2, 2)
    assert data.centres.dtype == np.float32
    assert data.sizes.shape == (300, 2)
    assert data.sizes.dtype == np.float32
    assert set(np.unique(data.kinds).tolist()) == {0, 1}


def test_pixels_are_white_red_or_blue_and_match_metadata(data):
    for image, kinds, centres, sizes in zip(
        data.images, data.kinds, data.centres, data.sizes, strict=True
    ):
        red, blue = object_masks(image)
        assert not (red & blue).any()
        np.testing.assert_array_equal(
            image[~(red | blue)], np.broadcast_to(WHITE, (int((~(red | blue)).sum()), 3))
        )
        np.testing.assert_array_equal(image[red], np.broadcast_to([255, 0, 0], (int(red.sum()), 3)))
        np.testing.assert_array_equal(
            image[blue], np.broadcast_to([0, 0, 255], (int(blue.sum()), 3))
        )
        for mask, kind, centre, size in zip((red, blue), kinds, centres, sizes, strict=True):
            np.testing.assert_array_equal(mask, expected_mask(int(kind), centre, float(size)))


def test_objects_never_overlap_and_keep_the_gap(data):
    lo = data.centres - (data.sizes[..., None] - 1) / 2  # top-left pixel, (N, 2, 2)
    hi = lo + data.sizes[..., None]  # exclusive
    gap = np.maximum(lo[:, 1] - hi[:, 0], lo[:, 0] - hi[:, 1])  # (N, axes)
    assert (gap.max(axis=1) >= 2).all()
    assert (lo >= 0).all()
    assert (hi <= 64).all()


def test_default_objects_are_the_official_generators_21_px(data):
    """data/sort_of_clevr_generator.py: cv2.rectangle(centre - 10, centre + 10) and
    cv2.circle(centre, 10): both 21 px across, centres in 10..53."""
    assert shapes.SIZE == 21
    assert (data.sizes == 21).all()
    assert data.centres.min() >= 10
    assert data.centres.max() <= 53
    for image, kinds in zip(data.images[:20], data.kinds[:20], strict=True):
        for mask, kind in zip(object_masks(image), kinds, strict=True):
            ys, xs = np.nonzero(mask)
            assert xs.max() - xs.min() + 1 == 21
            assert ys.max() - ys.min() + 1 == 21
            assert mask.sum() == (441 if kind == shapes.SQUARE else 349)  # pi * 10.5^2 ~ 346


def test_square_and_circle_of_size_10_are_drawn_exactly():
    kinds = np.array([[shapes.SQUARE, shapes.CIRCLE]], np.int8)
    image = shapes.render(kinds, np.array([[10, 10]]), np.array([[[3, 5], [30, 40]]]))[0]
    red, blue = object_masks(image)
    assert red.sum() == 100
    assert red[5:15, 3:13].all()
    assert blue.sum() == 80  # 10x10 box minus 5 pixels at each corner
    assert blue[40:50, 30:40].sum() == 80
    assert blue[45, 30]  # (dx, dy) = (-4.5, 0.5) from the centre (34.5, 44.5): inside
    assert blue[40, 33]  # (-1.5, -4.5): 2.25 + 20.25 <= 25
    assert not blue[40, 32]  # (-2.5, -4.5): 26.5 > 25


def test_antialias_shades_only_circle_edges():
    kinds = np.array([[shapes.CIRCLE, shapes.SQUARE]], np.int8)
    sizes, corners = np.array([[10, 10]]), np.array([[[3, 5], [30, 40]]])
    hard = shapes.render(kinds, sizes, corners)[0]
    soft = shapes.render(kinds, sizes, corners, antialias=True)[0]
    np.testing.assert_array_equal(hard[:, 25:], soft[:, 25:])  # the square is identical
    partial = (soft[..., 1] > 0) & (soft[..., 1] < 255)
    assert partial.any()
    assert (soft[:, :25, 0] == 255).all()  # red object on white: the red channel stays 255


def test_same_seed_same_bytes_and_prefix_stable(data):
    again = shapes.generate(n=300, seed=1)
    assert again.images.tobytes() == data.images.tobytes()
    assert again.centres.tobytes() == data.centres.tobytes()
    small = shapes.generate(n=7, seed=1)
    np.testing.assert_array_equal(small.images, data.images[:7])
    other = shapes.generate(n=300, seed=2)
    assert not np.array_equal(other.centres, data.centres)


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(0, 40),
    seed=st.integers(0, 2**32 - 1),
    min_size=st.integers(3, 14),
    extra=st.integers(0, 6),
    antialias=st.booleans(),
)
def test_property_shapes_fit_and_never_touch(n, seed, min_size, extra, antialias):
    data = shapes.generate(n, seed, antialias, min_size=min_size, max_size=min_size + extra)
    assert data.images.shape == (n, 64, 64, 3)
    assert ((data.sizes >= min_size) & (data.sizes <= min_size + extra)).all()
    for image in data.images:
        red, blue = object_masks(image)
        assert red.any()
        assert blue.any()
        # no red pixel is within 2 px (Chebyshev) of a blue pixel
        ry, rx = np.nonzero(red)
        by, bx = np.nonzero(blue)
        cheb = np.maximum(np.abs(ry[:, None] - by[None]), np.abs(rx[:, None] - bx[None]))
        assert cheb.min() > 2


def test_bad_arguments_raise_dataset_error():
    with pytest.raises(DatasetError, match=">= 0"):
        shapes.generate(-1)
    with pytest.raises(DatasetError, match="do not fit"):
        shapes.generate(1, min_size=30, max_size=40)


def test_save_load_round_trip(data, tmp_path):
    path = shapes.save(data, tmp_path / "shapes.npz")
    back = shapes.load(path)
    for name in ("images", "kinds", "centres", "sizes"):
        np.testing.assert_array_equal(getattr(back, name), getattr(data, name))
