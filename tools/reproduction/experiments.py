"""The experiments of the reproduction, in report order: key -> runner returning a Section."""

from __future__ import annotations

from collections.abc import Callable

from reproduction import generative, rl, vision
from reproduction.report import Section
from reproduction.runner import Context

EXPERIMENTS: dict[str, Callable[[Context], Section]] = {
    "classification": vision.classification,
    "regression": vision.regression,
    "rendering": vision.rendering,
    "detection": vision.detection,
    "imagenet": vision.imagenet,
    "gan": generative.gan,
    "vae": generative.vae,
    "lsun": generative.lsun,
    "atari": rl.atari,
}
ORDER = list(EXPERIMENTS)
