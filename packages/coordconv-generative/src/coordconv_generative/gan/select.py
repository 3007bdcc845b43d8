"""A GAN judged by its samples: the detectors' scores, and keeping the best epoch snapshot.

Liu et al. (2018), S7.1 saves the model at the end of every epoch and shows the best one. Every
snapshot is scored on samples of one fixed z (:data:`SELECT_SEED`) by the strict object count of
:mod:`coordconv_generative.objects` (:func:`snapshot_scores`, logged to ``metrics.jsonl``):
the clean rate discounted for collapse (:func:`~coordconv_generative.entropy.varied_detect_score`).
``--select best`` then makes the best snapshot the run's weights (:func:`select_best`). What
``results.json`` reports is measured on other z (:data:`REPORT_SEED`) by both detectors, the
strict one (the headline) and the permissive one of :mod:`coordconv_generative.entropy` (the
paper's measurement tool) (:func:`reported_scores`); with ``--select best`` the final state's
scores are reported beside the chosen one's, so that what the selection bought is shown.

The selection counted with the permissive detector until the strict count became the
headline: on dev seed 0 of the CPU recipe it kept the conv GAN's epoch-8 snapshot, clean in
0.207 of samples, where later ones reached 0.305 (README, "The strict count").
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from coordconv_generative.entropy import (
    Detections,
    centre_spread,
    detect_objects,
    varied_detect_score,
)
from coordconv_generative.objects import detect_clean, rejection_counts
from coordconv_generative.weights import WEIGHTS, TrainedGenerator, load_generator
from coordconv_train import RunDir, own, write_atomic

SELECT_SEED, REPORT_SEED = 4321, 1234  # z for choosing a snapshot / for the reported rate


def finite_or_none(value: float) -> float | None:
    """``value``, or None where it is NaN or infinite (JSON has no such numbers)."""
    return value if math.isfinite(value) else None


def sample_detections(
    generator: TrainedGenerator,
    n: int = 256,
    seed: int = REPORT_SEED,
    detect: Callable[[np.ndarray], Detections] = detect_objects,
) -> Detections:
    """``detect``'s view of ``n`` samples drawn from z seeded by ``seed`` (default: the
    permissive detector; :func:`coordconv_generative.objects.detect_clean` is the strict one)."""
    z = generator.sample_z(n, torch.Generator().manual_seed(seed))
    return detect(generator.images(z))


def reported_scores(generator: TrainedGenerator) -> dict[str, Any]:
    """What ``results.json`` reports of a generator, on the samples of :data:`REPORT_SEED`:
    the strict detector's clean rate and spread (the headline), how many samples each of its
    rules rejected (``clean_rejections``: what a low clean rate is made of), and the
    permissive detector's detect rate and spread (the paper's measurement tool)."""
    images = generator.images(generator.sample_z(256, torch.Generator().manual_seed(REPORT_SEED)))
    loose, strict = detect_objects(images), detect_clean(images)
    return {
        "clean_rate": float(strict.both.mean()),
        "clean_spread_px": finite_or_none(centre_spread(strict)),
        "clean_rejections": rejection_counts(images),
        "detect_rate": float(loose.both.mean()),
        "centre_spread_px": finite_or_none(centre_spread(loose)),
    }


def snapshot_scores(generator: TrainedGenerator) -> dict[str, Any]:
    """An epoch snapshot's ``metrics.jsonl`` entries, on the selection z: how many samples are
    clean (strict count), how varied they are, and the score :func:`select_best` compares."""
    det = sample_detections(generator, seed=SELECT_SEED, detect=detect_clean)
    return {
        "select_score": varied_detect_score(det),
        "select_clean_rate": float(det.both.mean()),
        "select_spread_px": finite_or_none(centre_spread(det)),
    }


def select_best(run: RunDir, last: TrainedGenerator) -> tuple[TrainedGenerator, dict[str, Any]]:
    """Make the best epoch snapshot (or the final state, on a tie or if better) the run's
    ``weights.safetensors`` / ``samples.png``; the final state is kept as ``*_last``."""
    rates = {r["snapshot"]: r["select_score"] for r in run.metrics() if "snapshot" in r}
    rates[""] = snapshot_scores(last)["select_score"]
    best = max(rates, key=lambda tag: (rates[tag], tag == ""))  # ties: keep the final state
    if best:
        for name, ext in (("weights", "safetensors"), ("samples", "png")):
            final = run.path / f"{name}.{ext}"
            own(run.path / f"{name}_last.{ext}")  # listed as the run's own file before it exists
            os.replace(final, run.path / f"{name}_last.{ext}")
            chosen = run.path / f"{name}{best}.{ext}"
            write_atomic(final, lambda tmp, chosen=chosen: shutil.copyfile(chosen, tmp))
        last = load_generator(run.path / WEIGHTS, next(last.module.parameters()).device)
    return last, {"selected": best or "last", "select_score": rates[best]}
