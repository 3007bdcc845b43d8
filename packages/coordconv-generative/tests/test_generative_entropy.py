"""The entropy metric of figure 7 / S10, tested exactly on images with known centres."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordconv_data import shapes
from coordconv_generative.entropy import (
    Detections,
    centre_spread,
    colour_mask,
    detect_objects,
    entropy_metrics,
    histogram_entropy,
    largest_component_centre,
    repeated_entropy,
    summarise,
)


def _direct_entropy(points: np.ndarray, bins: int, low: float, high: float) -> float:
    counts, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=bins, range=[[low, high]] * 2)
    p = counts.ravel() / counts.sum()
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


@pytest.mark.parametrize("antialias", [False, True])
def test_detected_centres_match_the_drawn_ones(antialias):
    data = shapes.generate(n=300, seed=3, antialias=antialias)
    det = detect_objects(data.images)
    assert det.found.all()
    error = np.abs(det.centres - data.centres)  # (N, 2, 2) px
    assert error.max() < 1.0
    assert det.centres.shape == (300, 2, 2)


def test_entropies_match_a_direct_computation(shapes_data):
    det = detect_objects(shapes_data.images)
    got = entropy_metrics(det, bin_size=4)
    red, blue = shapes_data.centres[:, 0], shapes_data.centres[:, 1]
    assert got["coverage_red"] == pytest.approx(_direct_entropy(red, 16, 0, 64), abs=1e-9)
    assert got["coverage_blue"] == pytest.approx(_direct_entropy(blue, 16, 0, 64), abs=1e-9)
    assert got["coverage"] == pytest.approx((got["coverage_red"] + got["coverage_blue"]) / 2)
    rel = _direct_entropy(red - blue, 32, -64, 64)
    assert got["relative_position"] == pytest.approx(rel, abs=1e-9)
    assert got["detect_rate"] == 1.0


def test_a_collapsed_set_has_zero_entropy(shapes_data):
    collapsed = np.repeat(shapes_data.images[:1], 50, axis=0)  # every object always at one place
    got = entropy_metrics(detect_objects(collapsed))
    assert got["coverage"] == 0.0
    assert got["relative_position"] == 0.0
    assert got["detect_rate"] == 1.0


def test_histogram_entropy_small_exact_cases():
    # two points in different 32-px cells of [0, 64)^2 with 2x2 bins: exactly 1 bit
    assert histogram_entropy(np.array([[1.0, 1.0], [40.0, 40.0]]), 2, 0, 64) == pytest.approx(1)
    # four distinct cells: 2 bits; the same cell twice: 0 bits
    four = np.array([[1, 1], [40, 1], [1, 40], [40, 40]], dtype=float)
    assert histogram_entropy(four, 2, 0, 64) == pytest.approx(2)
    assert histogram_entropy(np.array([[3.0, 3.0], [4.0, 5.0]]), 2, 0, 64) == 0.0
    # points outside the range are clipped into the border cells, empty input is NaN
    assert histogram_entropy(np.array([[-5.0, 70.0], [1.0, 63.0]]), 2, 0, 64) == 0.0
    assert np.isnan(histogram_entropy(np.zeros((0, 2)), 2, 0, 64))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 63.9), st.floats(0, 63.9)), min_size=1, max_size=40))
def test_histogram_entropy_is_bounded(points):
    h = histogram_entropy(np.array(points), 16, 0, 64)
    assert -1e-12 <= h <= np.log2(min(len(points), 256)) + 1e-9


def test_colour_masks_and_missing_objects():
    img = np.full((1, 8, 8, 3), 255, np.uint8)
    img[0, 1:3, 1:3] = (255, 0, 0)
    img[0, 5, 5] = (0, 0, 255)  # a single blue pixel: below min_pixels
    img[0, 6, 0:3] = (0, 0, 0)  # black and grey are no colour
    img[0, 7, 0:3] = (128, 128, 128)
    assert colour_mask(img, "red").sum() == 4
    assert colour_mask(img, "blue").sum() == 1
    det = detect_objects(img, min_pixels=4)
    np.testing.assert_allclose(det.centres[0, 0], [1.5, 1.5])
    assert det.found.tolist() == [[True, False]]
    assert np.isnan(det.centres[0, 1]).all()
    got = entropy_metrics(det)
    assert got["detect_rate"] == 0.0
    assert np.isnan(got["relative_position"])
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        colour_mask(np.zeros((8, 8, 3), np.uint8), "red")


def test_noise_and_speckle_are_not_objects():
    """Uniform noise has red- and blue-enough pixels everywhere, in specks of a few pixels."""
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 64, 3), dtype=np.uint8)
    assert colour_mask(noise, "red").any(axis=(1, 2)).all()
    assert not detect_objects(noise).found.any()
    # a 7x7 blob (49 px) is below the floor, an 8x8 one (64 px) above it
    img = np.full((2, 64, 64, 3), 255, np.uint8)
    img[0, 10:17, 10:17] = img[0, 40:47, 40:47] = (255, 0, 0)
    img[1, 10:18, 10:18] = (255, 0, 0)
    img[1, 40:48, 40:48] = (0, 0, 255)
    assert detect_objects(img).found.tolist() == [[False, False], [True, True]]
    # a coloured background is no object: blue blob on a red field (red: 4096 - 64 px)
    field = np.full((1, 64, 64, 3), (255, 0, 0), np.uint8)
    field[0, 40:48, 40:48] = (0, 0, 255)
    assert detect_objects(field).found.tolist() == [[False, True]]
    # bars and rings are no objects: a 6x30 bar (aspect 5), a hollow 20x20 square (fill 0.36)
    odd = np.full((1, 64, 64, 3), 255, np.uint8)
    odd[0, 2:32, 2:8] = (255, 0, 0)
    odd[0, 40:60, 40:60] = (0, 0, 255)
    odd[0, 42:58, 42:58] = 255
    assert detect_objects(odd).found.tolist() == [[False, False]]


def test_centre_spread_small_exact_case():
    centres = np.array([[[0, 0], [10, 10]], [[2, 4], [10, 14]], [[9, 9], [9, 9]]], float)
    found = np.array([[True, True], [True, True], [True, False]])
    # images 0 and 1 qualify: per coordinate sample std |a - b| / sqrt(2) of 2, 4, 0, 4
    expected = np.mean([2, 4, 0, 4]) / np.sqrt(2)
    assert centre_spread(Detections(centres, found)) == pytest.approx(expected)
    assert np.isnan(centre_spread(Detections(centres[:1], found[:1])))


def test_largest_component_wins():
    mask = np.zeros((10, 10), bool)
    mask[0, 0] = True
    mask[5:8, 2:5] = True  # 3x3 block centred at (x=3, y=6)
    assert largest_component_centre(mask, min_pixels=4) == (3.0, 6.0)
    assert largest_component_centre(mask) is None  # 9 px: below the default floor
    assert largest_component_centre(np.zeros((4, 4), bool)) is None


# Student's t quantiles t(0.975, dof), from a printed table (to 13 digits)
T_975 = {2: 4.302652729749, 3: 3.182446305284}


def test_repeats_measure_fresh_samples_with_a_student_t_interval(shapes_data):
    """Each repeat measures a new sample, drawn in turn from one generator seeded ``seed``;
    mean, sample standard deviation and the 95% Student-t interval of the repeats."""
    images = shapes_data.images

    def sample(n, rng):
        return images[rng.choice(len(images), n, replace=False)]

    got = repeated_entropy(sample, 100, repeats=4, seed=0)
    cov = got["coverage"]
    assert len(cov["values"]) == 4
    # the same four samples, measured here: the coverage of each colour's detected centres
    rng = np.random.default_rng(0)
    by_hand = []
    for _ in range(4):
        det = detect_objects(sample(100, rng))
        red, blue = det.centres[:, 0], det.centres[:, 1]
        by_hand.append((_direct_entropy(red, 16, 0, 64) + _direct_entropy(blue, 16, 0, 64)) / 2)
    assert len(set(by_hand)) == 4  # four different samples
    assert cov["values"] == pytest.approx(by_hand, abs=1e-9)
    mean, std = np.mean(by_hand), np.std(by_hand, ddof=1)
    half = T_975[3] * std / np.sqrt(4)
    assert cov["mean"] == pytest.approx(mean, abs=1e-9)
    assert cov["std"] == pytest.approx(std, abs=1e-9)
    assert cov["ci"] == pytest.approx([mean - half, mean + half], abs=1e-9)
    assert cov["ci"][0] <= cov["mean"] <= cov["ci"][1]
    assert got["detect_rate"]["mean"] == 1.0


def test_summarise_by_hand():
    # 1, 2, 3: mean 2, sample std 1, interval 2 -/+ t(0.975, 2) / sqrt(3)
    got = summarise([1.0, 2.0, 3.0])
    half = T_975[2] / np.sqrt(3)
    assert (got["mean"], got["std"], got["undefined"]) == (2.0, 1.0, 0)
    assert got["ci"] == pytest.approx([2 - half, 2 + half], rel=1e-12)
    assert summarise([1.0, 1.0])["ci"] == [1.0, 1.0]
    partial = summarise([1.0, float("nan"), 3.0])
    assert partial["mean"] == 2.0
    assert partial["undefined"] == 1
    assert partial["values"] == [1.0, None, 3.0]
    assert summarise([float("nan")] * 3)["mean"] is None


def test_both_means_red_and_blue_found():
    found = np.array([[True, True], [True, False], [False, True], [False, False]])
    assert Detections(np.zeros((4, 2, 2)), found).both.tolist() == [True, False, False, False]
    empty = Detections(np.zeros((0, 2, 2)), np.zeros((0, 2), bool)).both
    assert isinstance(empty, np.ndarray)
    assert empty.shape == (0,)
