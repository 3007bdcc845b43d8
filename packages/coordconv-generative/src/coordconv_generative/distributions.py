"""Figure S10 compared like with like: entropies at matched point counts and Jensen-Shannon
distances to the data (S7.1, "Measure of entropy").

The entropy of a histogram estimated from ``m`` points grows with ``m`` (a histogram of 4,096
cells filled by 200 points cannot reach the entropy 1,000 points reach), and the paper's
measurement takes every detected object: a GAN whose samples hold both objects less often
enters fewer points and looks more collapsed for that alone. Here every source of one
measurement (the data and each GAN) is cut to the same number of images, ``m`` = the smallest
number in which the detector found both objects, drawn at random without replacement; the
entropies (:func:`coordconv_generative.entropy.entropy_metrics`) are computed on those, and
beside them the Jensen-Shannon distance (base 2, in [0, 1]; 0 = the same distribution) of each
source's object-position histogram (red and blue centres, per colour, averaged) and
relative-position histogram (red minus blue) to the data's, from the same ``m`` images.

One measurement is repeated on fresh samples (``repeats``); each metric is summarised by its
mean over the repeats and a 95% percentile bootstrap interval of that mean (repeats resampled
with replacement).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from scipy.spatial.distance import jensenshannon

from coordconv_generative.entropy import COLOURS, Detections, entropy_metrics, histogram_counts

Detector = Callable[[np.ndarray], Detections]
BOOTSTRAP_REPS = 10_000


def subsample(det: Detections, m: int, rng: np.random.Generator) -> Detections:
    """``m`` of the images of ``det`` in which both objects were found, drawn without
    replacement (all of them, in order, when there are exactly ``m``)."""
    both = np.flatnonzero(det.both)
    if m > len(both):
        raise ValueError(f"asked for {m} images with both objects, {len(both)} have them")
    pick = both if m == len(both) else np.sort(rng.choice(both, size=m, replace=False))
    return Detections(det.centres[pick], det.found[pick])


def _js(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon distance (base 2) of two count vectors; NaN if either is empty."""
    if p.sum() == 0 or q.sum() == 0:
        return float("nan")
    return float(jensenshannon(p, q, base=2))


def js_distances(
    det: Detections, data: Detections, *, size: int = 64, bin_size: int = 4
) -> dict[str, float]:
    """Jensen-Shannon distances of ``det``'s position histograms to ``data``'s: ``position``
    (the red and the blue centres' histograms over the canvas, the two distances averaged) and
    ``relative_position`` (red minus blue over ``[-size, size)^2``), ``bin_size`` px cells."""
    bins = size // bin_size
    per_colour = [
        _js(
            histogram_counts(det.centres[det.found[:, k], k], bins, 0, size),
            histogram_counts(data.centres[data.found[:, k], k], bins, 0, size),
        )
        for k in range(len(COLOURS))
    ]

    def offsets(d: Detections) -> np.ndarray:
        return d.centres[d.both, 0] - d.centres[d.both, 1]  # (M, 2) red - blue

    relative = _js(
        histogram_counts(offsets(det), 2 * bins, -size, size),
        histogram_counts(offsets(data), 2 * bins, -size, size),
    )
    return {"position": float(np.mean(per_colour)), "relative_position": relative}


def matched_measurement(
    detections: Mapping[str, Detections],
    data: str,
    rng: np.random.Generator,
    *,
    size: int = 64,
    bin_size: int = 4,
) -> dict[str, dict[str, float]]:
    """One measurement at a matched count: per source, the entropies of
    :func:`~coordconv_generative.entropy.entropy_metrics` and (for every source but ``data``)
    the JS distances to ``data``, all from ``m`` images each; ``m`` is in every source's
    ``points``, and ``detect_rate`` is the fraction of the source's images (before the cut) in
    which the detector found both objects. No source with both objects in any image: every
    other value NaN, ``points`` 0."""
    m = min(int(d.both.sum()) for d in detections.values())
    rates = {name: {"detect_rate": float(det.both.mean())} for name, det in detections.items()}
    if m == 0:
        nan = dict.fromkeys(("coverage", "relative_position", "js_position", "js_relative"), np.nan)
        return {name: nan | {"points": 0.0} | rates[name] for name in detections}
    out: dict[str, dict[str, float]] = {}
    cut = {name: subsample(det, m, rng) for name, det in detections.items()}
    for name, det in cut.items():
        metrics = entropy_metrics(det, size=size, bin_size=bin_size)
        row = {"coverage": metrics["coverage"], "relative_position": metrics["relative_position"]}
        js = js_distances(det, cut[data], size=size, bin_size=bin_size)
        row |= {"js_position": js["position"], "js_relative": js["relative_position"]}
        out[name] = row | {"points": float(m)} | rates[name]
    return out


def bootstrap_mean(
    values: list[float], *, reps: int = BOOTSTRAP_REPS, seed: int = 0
) -> dict[str, object]:
    """Mean of ``values`` (NaN left out, counted in ``undefined``) and the 95% percentile
    bootstrap interval of that mean (values resampled with replacement); None where no value."""
    arr = np.asarray(values, dtype=float)
    valid = arr[~np.isnan(arr)]
    out: dict[str, object] = {"values": [None if np.isnan(v) else float(v) for v in arr]}
    out["undefined"] = int(len(arr) - len(valid))
    if len(valid) == 0:
        return {"mean": None, "ci": None, **out}
    rng = np.random.default_rng(seed)
    means = valid[rng.integers(0, len(valid), size=(reps, len(valid)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(valid.mean()), "ci": [float(low), float(high)], **out}


def repeated_matched(
    samplers: Mapping[str, Callable[[int, np.random.Generator], np.ndarray]],
    data: str,
    detect: Detector,
    n: int,
    *,
    repeats: int = 10,
    seed: int = 0,
    size: int = 64,
    bin_size: int = 4,
) -> dict[str, dict[str, dict[str, object]]]:
    """``repeats`` matched measurements, each on ``n`` fresh images per source (``samplers``:
    name -> ``sample(n, rng)``, one of them ``data``), objects found by ``detect``. Returns
    ``{source: {metric: bootstrap_mean(values)}}`` with ``points`` (the matched count) among
    the metrics; ``data``'s JS distances (to itself, 0) are left out."""
    if data not in samplers:
        raise ValueError(f"the data source {data!r} is not among the samplers")
    rng = np.random.default_rng(seed)
    runs = []
    for _ in range(repeats):
        detections = {name: detect(sample(n, rng)) for name, sample in samplers.items()}
        runs.append(matched_measurement(detections, data, rng, size=size, bin_size=bin_size))
    out: dict[str, dict[str, dict[str, object]]] = {}
    for name in samplers:
        keys = [k for k in runs[0][name] if name != data or not k.startswith("js_")]
        out[name] = {k: bootstrap_mean([r[name][k] for r in runs]) for k in keys}
    return out
