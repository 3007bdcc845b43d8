"""Matched-count entropies and Jensen-Shannon distances on hand-computed detections."""

from __future__ import annotations

import numpy as np
import pytest

from coordconv_generative.distributions import (
    bootstrap_mean,
    js_distances,
    matched_measurement,
    repeated_matched,
    subsample,
)
from coordconv_generative.entropy import Detections


def dets(red: list[tuple[float, float]], blue: list[tuple[float, float]] | None = None):
    """Detections with both objects found at the given (x, y) centres."""
    blue = blue if blue is not None else [(x + 20, y) for x, y in red]
    pairs = [(r, b) for r, b in zip(red, blue, strict=True)]
    centres = np.array(pairs, dtype=float).reshape(len(pairs), 2, 2)  # (N, 2, 2)
    return Detections(centres, np.ones((len(red), 2), dtype=bool))


def with_missing(det: Detections, missing: int) -> Detections:
    """``det`` plus ``missing`` images where nothing was found."""
    centres = np.concatenate([det.centres, np.full((missing, 2, 2), np.nan)])
    found = np.concatenate([det.found, np.zeros((missing, 2), dtype=bool)])
    return Detections(centres, found)


def test_subsample_takes_m_images_holding_both_objects():
    det = with_missing(dets([(2, 2), (6, 2), (10, 2)]), 5)
    cut = subsample(det, 2, np.random.default_rng(0))
    assert cut.both.all()
    assert len(cut.found) == 2
    assert {tuple(c) for c in cut.centres[:, 0]} <= {(2.0, 2.0), (6.0, 2.0), (10.0, 2.0)}
    assert np.array_equal(subsample(det, 3, np.random.default_rng(0)).centres, det.centres[:3])
    with pytest.raises(ValueError, match="asked for 4"):
        subsample(det, 4, np.random.default_rng(0))


def test_js_distance_is_zero_for_the_same_and_one_for_disjoint_positions():
    a = dets([(2, 2), (6, 2)])
    assert js_distances(a, a) == {"position": 0.0, "relative_position": 0.0}
    far = dets([(50, 50), (54, 50)], blue=[(50, 10), (54, 10)])  # other cells, other offsets
    js = js_distances(far, a)
    assert js["position"] == pytest.approx(1.0)
    assert js["relative_position"] == pytest.approx(1.0)
    # half the mass shared: p = (1/2, 1/2, 0), q = (1/2, 0, 1/2) over three cells:
    # M = (1/2, 1/4, 1/4); KL(p||M) = 1/2 log2(1) + 1/2 log2(2) = 1/2 = KL(q||M); JS^2 = 1/2
    half = dets([(2, 2), (10, 2)], blue=[(22, 2), (30, 2)])
    other = dets([(2, 2), (14, 2)], blue=[(22, 2), (34, 2)])
    assert js_distances(half, other)["position"] == pytest.approx(np.sqrt(0.5))


def test_entropies_are_compared_at_the_smallest_count():
    # the data: 8 images at 8 cells; the GAN: both objects in only 2 images, in one cell
    data = dets([(4 * i + 1, 1) for i in range(8)])
    gan = with_missing(dets([(1, 1), (1, 1)]), 6)
    out = matched_measurement({"data": data, "gan": gan}, "data", np.random.default_rng(0))
    assert out["data"]["points"] == out["gan"]["points"] == 2
    assert (out["data"]["detect_rate"], out["gan"]["detect_rate"]) == (1.0, 0.25)  # before the cut
    assert out["data"]["coverage"] == pytest.approx(1.0)  # 2 points, 2 cells: 1 bit
    assert out["gan"]["coverage"] == 0.0
    assert "js_position" in out["gan"]
    # unmatched, the data would score 3 bits: the count, not the source, made 2 of them
    full = matched_measurement({"data": data}, "data", np.random.default_rng(0))
    assert full["data"]["coverage"] == pytest.approx(3.0)


def test_no_images_with_both_objects_gives_nan_and_zero_points():
    out = matched_measurement(
        {"data": dets([(1, 1)]), "gan": with_missing(dets([]), 1)},
        "data",
        np.random.default_rng(0),
    )
    assert out["gan"]["points"] == 0
    assert out["gan"]["detect_rate"] == 0.0
    assert np.isnan(out["gan"]["coverage"])
    assert np.isnan(out["data"]["js_relative"])


def test_bootstrap_mean_interval():
    assert bootstrap_mean([2.0, 2.0, 2.0]) == {
        "mean": 2.0, "ci": [2.0, 2.0], "values": [2.0, 2.0, 2.0], "undefined": 0
    }  # fmt: skip
    # values {0, 1}: a replicate's mean is 0, 0.5 or 1 (p 1/4, 1/2, 1/4): 95% interval [0, 1]
    assert bootstrap_mean([0.0, 1.0])["ci"] == [0.0, 1.0]
    out = bootstrap_mean([float("nan"), 4.0])
    assert out["mean"] == 4.0
    assert out["undefined"] == 1
    assert out["values"] == [None, 4.0]
    assert bootstrap_mean([float("nan")])["mean"] is None


def test_repeated_matched_uses_fresh_samples_and_the_detector():
    calls = []

    def sampler(offset):
        def sample(n, rng):
            calls.append(n)
            xs = rng.integers(0, 40, size=n)  # fresh positions each repeat
            images = np.zeros((n, 1, 1, 3), np.uint8)
            images[:, 0, 0, 0] = xs + offset
            return images

        return sample

    def detect(images):  # the "detector": the red x is in the first pixel
        xs = images[:, 0, 0, 0].astype(float)
        return dets([(x, 5) for x in xs])

    out = repeated_matched(
        {"data": sampler(0), "gan": sampler(0)}, "data", detect, 30, repeats=4, seed=1
    )
    assert calls == [30] * 8
    assert out["gan"]["points"]["values"] == [30.0] * 4
    assert "js_position" not in out["data"]
    assert len(out["gan"]["js_position"]["values"]) == 4
    low, high = out["gan"]["js_position"]["ci"]
    assert 0 < low <= out["gan"]["js_position"]["mean"] <= high < 1
    with pytest.raises(ValueError, match="not among"):
        repeated_matched({"gan": sampler(0)}, "data", detect, 3)
