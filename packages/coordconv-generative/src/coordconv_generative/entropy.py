"""The entropy metrics of mode collapse (figure 7 (b), (c) and figure S10).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), S7.1 "Measure of entropy": each image is reduced to
the centres of its red and its blue object; the entropy of the 2-D histogram of object centres
measures the coverage of space, the entropy of the 2-D histogram of red-minus-blue offsets the
variety of relative positions; repeating the measurement (10 times) gives confidence intervals.

This module is the one home of that maths: pure numpy / scipy functions on ``uint8`` images
``(N, H, W, 3)`` (white background). Entropies are in bits. Coverage is computed per colour
(the red centres' histogram and the blue centres' histogram) and averaged, so a collapsed set
(every object always at the same place) has coverage entropy 0, as it should.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, stats

COLOURS = ("red", "blue")
_CHANNEL = {"red": 0, "blue": 2}


@dataclass(frozen=True)
class Detections:
    """``centres (N, 2, 2)`` float64 ``[[red_x, red_y], [blue_x, blue_y]]`` in pixels
    (x = column, y = row; NaN where not found) and ``found (N, 2)`` bool ``[red, blue]``."""

    centres: np.ndarray
    found: np.ndarray

    @property
    def both(self) -> np.ndarray:
        """``(N,)`` bool: both objects found."""
        return self.found.all(axis=1)


def colour_mask(images: np.ndarray, colour: str, margin: int = 96) -> np.ndarray:
    """``(N, H, W)`` bool: pixels whose ``colour`` channel exceeds both others by ``margin``.

    Pure red (255, 0, 0) and anti-aliased edges blended with white (255, 128, 128) both
    count as red; white, black and grey never do.
    """
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected images of shape (N, H, W, 3), got {images.shape}")
    x = images.astype(np.int16)
    c = _CHANNEL[colour]
    others = [i for i in range(3) if i != c]
    return (x[..., c] - np.maximum(x[..., others[0]], x[..., others[1]])) > margin


MIN_PIXELS = 50  # an object is a blob of 50 px (a 7x7 square) ...
MAX_PIXELS = 1000  # ... to 1000 px (a 32x32 square); drawn ones have 349-441
MIN_FILL = 0.5  # and compact: it fills >= half its bounding box (circle 0.79, square 1) ...
MAX_ASPECT = 2.0  # ... whose longer side is <= 2x the shorter (drawn: 1)


def largest_component_centre(
    mask: np.ndarray, min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS
) -> tuple[float, float] | None:
    """Centroid ``(x, y)`` of the largest 4-connected component of a 2-D mask, or None if
    that component is no object: fewer than ``min_pixels`` or more than ``max_pixels``
    pixels, or not compact (it fills less than :data:`MIN_FILL` of its bounding box, or the
    box is more than :data:`MAX_ASPECT` times longer than wide)."""
    labels, count = ndimage.label(mask)
    if count == 0:
        return None
    sizes = np.bincount(labels.ravel())[1:]  # component sizes, labels 1..count
    best = int(np.argmax(sizes)) + 1
    if not min_pixels <= sizes[best - 1] <= max_pixels:
        return None
    rows, cols = ndimage.find_objects(labels, max_label=best)[best - 1]  # bounding box
    height, width = rows.stop - rows.start, cols.stop - cols.start
    if sizes[best - 1] < MIN_FILL * height * width or max(height, width) > MAX_ASPECT * min(
        height, width
    ):
        return None
    row, col = ndimage.center_of_mass(mask, labels, best)
    return float(col), float(row)


def detect_objects(
    images: np.ndarray,
    *,
    margin: int = 96,
    min_pixels: int = MIN_PIXELS,
    max_pixels: int = MAX_PIXELS,
) -> Detections:
    """Find the red and the blue object of each image (largest component of each colour mask).

    A colour counts as found when its largest component has ``min_pixels..max_pixels``
    pixels. The floor, 50, is well below a drawn object (21 px across: 349 px for a circle,
    441 for a square; 80 and 100 for the 10-px objects of format version 1) and well above what
    noise gives: on 64 images of uniform random noise, and on the grey-and-speckle output of a
    failed GAN, the largest red/blue components had 3-20 pixels (with the earlier floor of 4
    pixels the detector "found" both objects in 66% of pure-noise images). The ceiling, 1000,
    keeps a coloured *background* from counting as an object: a CoordConv GAN snapshot that
    drew blue blobs on a magenta field scored 95% "both found" without it. The compactness
    test keeps out bars and smears: a conv GAN snapshot that drew a red band along the bottom
    edge and a blue vertical bar scored 99.6% without it.
    """
    n = images.shape[0]
    centres = np.full((n, 2, 2), np.nan)
    found = np.zeros((n, 2), dtype=bool)
    for k, colour in enumerate(COLOURS):
        masks = colour_mask(images, colour, margin)  # (N, H, W)
        for i in range(n):
            centre = largest_component_centre(masks[i], min_pixels, max_pixels)
            if centre is not None:
                centres[i, k] = centre
                found[i, k] = True
    return Detections(centres, found)


def centre_spread(det: Detections) -> float:
    """How far apart the objects of different images are: the standard deviation (px) of the
    detected centres over the images where both objects were found, averaged over red x, red y,
    blue x and blue y. 0 for a collapsed set (every object always at the same place); 14.1 for
    the shapes data (centres in 10..53, spread wider than a uniform draw's 12.7 by the rule that
    keeps the objects apart; 2,000 images of seed 0); NaN if fewer than two images qualify."""
    both = det.centres[det.both].reshape(-1, 4)  # (M, 4)
    if len(both) < 2:
        return float("nan")
    return float(both.std(axis=0, ddof=1).mean())


DETECT_FLOOR = 0.3  # a GAN "draws both objects": both found in >= 30% of its samples ...
SPREAD_FLOOR_PX = 4.0  # ... and not always at one place (under a third of the data's 14.1 px)


def clears_floors(
    detect_rate: float | None, spread_px: float | None, floor: float = DETECT_FLOOR
) -> bool:
    """``detect_rate >= floor`` (default :data:`DETECT_FLOOR`) and ``spread_px >=
    SPREAD_FLOOR_PX``; a missing (None) or NaN value clears nothing. For numbers already
    measured, e.g. a GAN's results.json (the strict count's floor:
    :data:`coordconv_generative.objects.CLEAN_FLOOR`)."""
    if detect_rate is None or spread_px is None:
        return False
    return bool(detect_rate >= floor and spread_px >= SPREAD_FLOOR_PX)


def draws_both_objects(det: Detections) -> bool:
    """The floors a GAN's samples must clear (issue 13; README, "Tests"): both objects found in
    at least :data:`DETECT_FLOOR` of them, with :func:`centre_spread` at least
    :data:`SPREAD_FLOOR_PX`. A constant generator (no objects) and a collapsed one (the same
    objects at the same place in every sample) fail."""
    return clears_floors(float(det.both.mean()), centre_spread(det))


def varied_detect_score(det: Detections) -> float:
    """Detect rate discounted for collapse: ``rate * min(1, spread / SPREAD_FLOOR_PX)`` (0 when
    fewer than two samples hold both objects). Used to pick a GAN's best snapshot."""
    spread = centre_spread(det)
    if not np.isfinite(spread):
        return 0.0
    return float(det.both.mean() * min(1.0, spread / SPREAD_FLOOR_PX))


def histogram_counts(points: np.ndarray, bins: int, low: float, high: float) -> np.ndarray:
    """Counts ``(bins * bins,)`` of the 2-D histogram of ``points (M, 2)`` over
    ``[low, high)^2`` in equal cells (points outside are clipped into the border cells)."""
    edges = np.linspace(low, high, bins + 1)
    idx = np.clip(np.searchsorted(edges, points, side="right") - 1, 0, bins - 1)  # (M, 2)
    return np.bincount(idx[:, 0] * bins + idx[:, 1], minlength=bins * bins)


def histogram_entropy(points: np.ndarray, bins: int, low: float, high: float) -> float:
    """Entropy in bits of :func:`histogram_counts` of ``points``; NaN for no points."""
    if len(points) == 0:
        return float("nan")
    return float(stats.entropy(histogram_counts(points, bins, low, high), base=2))


def entropy_metrics(det: Detections, *, size: int = 64, bin_size: int = 4) -> dict[str, float]:
    """Coverage and relative-position entropies (bits) of one set of detections.

    - ``coverage_red`` / ``coverage_blue``: entropy of the histogram of that colour's centres
      over the ``size x size`` canvas in ``bin_size`` cells (images where it was found);
      ``coverage``: their mean.
    - ``relative_position``: entropy of red-minus-blue offsets over ``[-size, size)^2`` in
      ``bin_size`` cells (images where both were found).
    - ``detect_rate``: fraction of images where both objects were found.
    """
    bins = size // bin_size
    cov = {
        colour: histogram_entropy(det.centres[det.found[:, k], k], bins, 0, size)
        for k, colour in enumerate(COLOURS)
    }
    both = det.both
    offsets = det.centres[both, 0] - det.centres[both, 1]  # (M, 2) red - blue
    return {
        "coverage": float(np.mean([cov["red"], cov["blue"]])),
        "coverage_red": cov["red"],
        "coverage_blue": cov["blue"],
        "relative_position": histogram_entropy(offsets, 2 * bins, -size, size),
        "detect_rate": float(both.mean()) if len(both) else float("nan"),
    }


def summarise(values: list[float], confidence: float = 0.95) -> dict[str, object]:
    """Mean, standard deviation and Student-t confidence interval of repeated measurements.

    NaN values (a repeat in which no object was found) are left out and counted in
    ``undefined``; if every value is NaN, mean, std and ci are None (JSON null).
    """
    arr = np.asarray(values, dtype=float)
    valid = arr[~np.isnan(arr)]
    out: dict[str, object] = {"values": [None if np.isnan(v) else float(v) for v in arr]}
    out["undefined"] = int(len(arr) - len(valid))
    if len(valid) == 0:
        return {"mean": None, "std": None, "ci": None, **out}
    mean = float(np.mean(valid))
    std = float(np.std(valid, ddof=1)) if len(valid) > 1 else 0.0
    if len(valid) > 1 and std > 0:
        sem = std / np.sqrt(len(valid))
        lo, hi = stats.t.interval(confidence, len(valid) - 1, loc=mean, scale=sem)
    else:
        lo = hi = mean
    return {"mean": mean, "std": std, "ci": [float(lo), float(hi)], **out}


def repeated_entropy(
    sample: Callable[[int, np.random.Generator], np.ndarray],
    n: int,
    *,
    repeats: int = 10,
    seed: int = 0,
    size: int = 64,
    bin_size: int = 4,
) -> dict[str, dict[str, object]]:
    """Measure :func:`entropy_metrics` on ``repeats`` independent sets of ``n`` images.

    ``sample(n, rng)`` returns ``n`` uint8 images ``(n, H, W, 3)`` (drawn from the data or
    generated from fresh z). Returns ``{metric: summarise(values)}``.
    """
    rng = np.random.default_rng(seed)
    runs = [
        entropy_metrics(detect_objects(sample(n, rng)), size=size, bin_size=bin_size)
        for _ in range(repeats)
    ]
    return {key: summarise([r[key] for r in runs]) for key in runs[0]}
