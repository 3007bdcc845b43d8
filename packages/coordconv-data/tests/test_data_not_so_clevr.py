"""Not-so-Clevr (docs/architecture.md): every centre once, exact squares and one-hots, exact splits."""

from __future__ import annotations

import numpy as np
import pytest

from coordconv_data import DatasetError, not_so_clevr


@pytest.fixture(scope="module")
def data() -> not_so_clevr.NotSoClevr:
    return not_so_clevr.generate()


def test_3136_unique_centres_in_4_to_59(data):
    assert data.coords.shape == (3136, 2)
    assert data.coords.dtype == np.int64
    assert len({tuple(c) for c in data.coords.tolist()}) == 3136
    assert data.coords.min() == 4
    assert data.coords.max() == 59


def test_every_square_is_exactly_9x9_ones_at_its_centre(data):
    assert data.squares.dtype == np.uint8
    assert set(np.unique(data.squares).tolist()) == {0, 1}
    assert (data.squares.sum(axis=(1, 2)) == 81).all()
    for (x, y), square in zip(data.coords, data.squares, strict=True):
        expected = np.zeros((64, 64), np.uint8)
        expected[y - 4 : y + 5, x - 4 : x + 5] = 1  # rows = y, columns = x
        np.testing.assert_array_equal(square, expected)


def test_onehot_has_a_single_one_at_row_y_column_x(data):
    assert (data.onehots.sum(axis=(1, 2)) == 1).all()
    flat = data.onehots.reshape(len(data), -1).argmax(axis=1)
    np.testing.assert_array_equal(flat // 64, data.coords[:, 1])
    np.testing.assert_array_equal(flat % 64, data.coords[:, 0])


def test_quadrant_split_holds_out_x_and_y_above_32(data):
    train, test = not_so_clevr.split_indices("quadrant")
    assert (len(test), len(train)) == (729, 2407)
    held = (data.coords[:, 0] > 32) & (data.coords[:, 1] > 32)
    np.testing.assert_array_equal(np.sort(test), np.flatnonzero(held))
    assert set(train) | set(test) == set(range(3136))
    assert not set(train) & set(test)


@pytest.mark.parametrize(("fraction", "n_train"), [(0.8, 2509), (0.75, 2352), (0.25, 784)])
def test_uniform_split_is_disjoint_covering_and_seeded(fraction, n_train):
    train, test = not_so_clevr.split_indices("uniform", seed=3, train_fraction=fraction)
    assert len(train) == n_train
    assert len(test) == 3136 - n_train
    assert not set(train) & set(test)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(3136))
    again, _ = not_so_clevr.split_indices("uniform", seed=3, train_fraction=fraction)
    other, _ = not_so_clevr.split_indices("uniform", seed=4, train_fraction=fraction)
    np.testing.assert_array_equal(train, again)
    assert not np.array_equal(train, other)


def test_split_bad_input_raises_dataset_error():
    with pytest.raises(DatasetError, match="unknown split"):
        not_so_clevr.split_indices("diagonal")
    with pytest.raises(DatasetError, match="train_fraction"):
        not_so_clevr.split_indices("uniform", train_fraction=1.0)


def test_normalise_maps_pixel_0_to_minus_1_and_63_to_1():
    out = not_so_clevr.normalise_coords(np.array([[0, 63], [4, 59]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[-1, 1], [8 / 63 - 1, 118 / 63 - 1]], atol=1e-6)


def test_save_load_round_trip_and_same_bytes(data, tmp_path):
    a = not_so_clevr.save(data, tmp_path / "a.npz")
    b = not_so_clevr.save(not_so_clevr.generate(), tmp_path / "b.npz")
    assert a.read_bytes() == b.read_bytes()
    back = not_so_clevr.load(a)
    for name in ("coords", "squares", "onehots"):
        np.testing.assert_array_equal(getattr(back, name), getattr(data, name))
