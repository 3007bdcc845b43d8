"""The typed budget of each kind of experiment of the reproduction (paper sections 4-6, S1-S8).

A budget says how much of one experiment a preset runs: seeds, epochs and data sizes, the
estimate of its cost (see :mod:`reproduction.presets`), and ``settings``: the extra settings of
its package command as config field name -> value (:mod:`reproduction.settings`). Each class
names that command (whose config dataclass the settings must fit) and the settings the
reproduction passes itself. :meth:`Budget.check` checks a budget's fields against their types
and its settings against the command's config; :meth:`Budget.as_dict` is what the experiment's
runner reads (``Context.budget``) and what a later invocation compares before reusing runs
(``inputs.json``), the settings written there as the ``args`` string of flags.
"""

from __future__ import annotations

import dataclasses
import shlex
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from reproduction.settings import (
    Command,
    SettingError,
    Settings,
    check_settings,
    has_type,
    to_argv,
    type_name,
)

NOTSOCLEVR = Command(
    "coordconv-vision notsoclevr", "coordconv_vision.notsoclevr.config", "NotSoClevrConfig"
)
DETECT = Command("coordconv-vision detect", "coordconv_vision.detection.config", "DetectionConfig")
IMAGENET = Command(
    "coordconv-vision imagenet", "coordconv_vision.imagenet.config", "ImageNetConfig"
)
GAN = Command("coordconv-generative gan", "coordconv_generative.gan.train", "GanConfig")
VAE = Command("coordconv-generative vae", "coordconv_generative.vae.train", "VaeConfig")
RL_EXPERIMENT = Command("coordconv-rl experiment", "coordconv_rl.experiment", "ExperimentConfig")

# what every training command gets from the reproduction itself (runner.Context.run)
PASSED = frozenset({"seed", "device", "log_with", "out", "resume"})
OWN_VARIANT = frozenset({"model", "epochs"})  # a Not-so-Clevr variant's own fields


def _check_fields(obj: Any, where: str = "") -> None:
    """Every dataclass field of ``obj`` has its annotated type."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if not has_type(value, hints[f.name]):
            raise SettingError(
                f"{where}{f.name} must be {type_name(hints[f.name])}, "
                f"got {type(value).__name__} {value!r}"
            )


def _check(
    where: str, command: Command, settings: Settings, reserved: frozenset[str] = frozenset()
) -> None:
    """:func:`check_settings`, its message prefixed with ``where`` (e.g. ``variant conv: ``)."""
    try:
        check_settings(command, settings, reserved)
    except SettingError as exc:
        raise SettingError(f"{where}{exc}") from None


def _plain(value: Any) -> Any:
    """JSON-ready form of a budget field (variants as dicts, sequences as lists)."""
    if isinstance(value, Variant):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class Budget:
    """What every experiment's budget has: its cost estimate and its command's extra settings.

    ``estimate_s``: CPU seconds on the reference machine; ``None``: not estimated.
    """

    estimate_s: float | None
    settings: Settings = field(default_factory=dict)

    command: ClassVar[Command]
    passed: ClassVar[frozenset[str]] = frozenset()  # settings the runner passes itself
    own: ClassVar[tuple[str, ...]] = ()  # fields the runner passes as settings

    def own_settings(self) -> list[tuple[str, Settings]]:
        """The settings this budget's own fields give the command, each with where from."""
        return [("", {name: getattr(self, name) for name in self.own})]

    def check(self) -> None:
        """Raise :class:`SettingError` (one line) unless the command takes this budget."""
        _check_fields(self)
        reserved = PASSED | self.passed
        for where, own in self.own_settings():
            _check(where, self.command, own)
            reserved |= own.keys()
        _check("", self.command, self.settings, reserved)

    def as_dict(self) -> dict[str, Any]:
        """The budget as its runner reads it: fields in order, then ``args`` (the flags)."""
        out = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        del out["settings"]
        out["args"] = shlex.join(to_argv(self.settings))
        return out


@dataclass(frozen=True, kw_only=True)
class Variant:
    """One row of a Not-so-Clevr table: its model, epochs and seeds (and any extra settings)."""

    model: str
    epochs: int
    seeds: list[int]
    settings: Settings = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model": self.model, "epochs": self.epochs, "seeds": self.seeds}
        if self.settings:
            out["args"] = shlex.join(to_argv(self.settings))
        return out


@dataclass(frozen=True, kw_only=True)
class NotSoClevr(Budget):
    """A Not-so-Clevr task (section 4, S1-S4): report row name -> variant, both splits."""

    variants: dict[str, Variant]

    command = NOTSOCLEVR
    passed = frozenset({"task", "split", "progress", "figures"})

    def own_settings(self) -> list[tuple[str, Settings]]:
        return [
            (f"variant {name}: ", {"model": v.model, "epochs": v.epochs})
            for name, v in self.variants.items()
        ]

    def check(self) -> None:
        for name, variant in self.variants.items():
            where = f"variant {name}: "
            _check_fields(variant, where)
            _check(where, self.command, variant.settings, PASSED | self.passed | OWN_VARIANT)
        super().check()


@dataclass(frozen=True, kw_only=True)
class Trained(Budget):
    """A budget whose runner trains every model once per seed, for ``epochs``, on one data set
    (``runner.Context.train``: it passes the data, the model and the seed itself)."""

    epochs: int
    seeds: list[int]

    passed = frozenset({"data", "model"})
    own = ("epochs",)


@dataclass(frozen=True, kw_only=True)
class Detection(Trained):
    """Scattered-MNIST detection (section 5, S3): generated canvases, conv vs CoordConv."""

    n_train: int
    n_test: int

    command = DETECT
    passed = Trained.passed | {"figure_images"}


@dataclass(frozen=True, kw_only=True)
class ImageNet(Trained):
    """ImageNet classification (section 5): ResNet-50 vs CoordConv ResNet-50."""

    command = IMAGENET


@dataclass(frozen=True, kw_only=True)
class Gan(Trained):
    """GANs on colored shapes (section 6, S7): training, then the entropies of mode collapse."""

    n_images: int
    entropy_n: int

    command = GAN


@dataclass(frozen=True, kw_only=True)
class Vae(Trained):
    """VAEs on colored shapes (S7, table S5)."""

    n_images: int

    command = VAE


@dataclass(frozen=True, kw_only=True)
class Lsun(Trained):
    """GANs on LSUN bedrooms (S7, figure S12): the user's images."""

    command = GAN
    passed = Trained.passed | {"arch"}


@dataclass(frozen=True, kw_only=True)
class Atari(Budget):
    """A2C agents (section 6, S8, table S7): game -> agent steps, models, consecutive seeds."""

    games: dict[str, int]
    models: list[str]
    seeds: list[int]

    command = RL_EXPERIMENT
    passed = frozenset({"games", "seeds", "first_seed", "frames", "progress", "threads"})
    own = ("models",)
