"""The experiments of the reproduction, in report order: each one's jobs and its report.

``jobs(ctx)`` lists the package commands an experiment needs (:class:`~reproduction.jobs.Job`,
one per variant, seed and game, plus its data and evaluation commands); ``report(ctx)`` reads
their finished run directories and returns the experiment's :class:`~reproduction.report.Section`.
Neither runs anything: the executors do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reproduction import generative, rl, vision
from reproduction.jobs import Job
from reproduction.report import Section
from reproduction.runner import Context


@dataclass(frozen=True)
class Experiment:
    jobs: Callable[[Context], list[Job]]
    report: Callable[[Context], Section]


EXPERIMENTS: dict[str, Experiment] = {
    "classification": Experiment(vision.classification_jobs, vision.classification),
    "regression": Experiment(vision.regression_jobs, vision.regression),
    "rendering": Experiment(vision.rendering_jobs, vision.rendering),
    "detection": Experiment(vision.detection_jobs, vision.detection),
    "imagenet": Experiment(vision.imagenet_jobs, vision.imagenet),
    "gan": Experiment(generative.gan_jobs, generative.gan),
    "vae": Experiment(generative.vae_jobs, generative.vae),
    "lsun": Experiment(generative.lsun_jobs, generative.lsun),
    "atari": Experiment(rl.atari_jobs, rl.atari),
}
ORDER = list(EXPERIMENTS)
