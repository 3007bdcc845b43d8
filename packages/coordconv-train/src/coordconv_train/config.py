"""Experiment configs as dataclasses whose fields become command-line flags.

One dataclass per experiment (docs/architecture.md): every field has a default and a
``help`` entry in its metadata (``field(default=..., metadata={"help": ..., "choices": ...})``);
:func:`add_config_arguments` turns the fields into ``--field-name`` flags and
:func:`config_from_args` builds the dataclass back from the parsed namespace. A field named
``seed`` or ``*_seed`` is parsed with :func:`seed`, so a seed no RNG accepts is a usage error
(found by the argument fuzz, ``tools/tests/test_cli_fuzz.py``), not a traceback mid-run.

Numbers are checked by :func:`config_from_args`, the first thing a command does, before
anything is allocated or written (the contract's point 3, in ``coordconv_train``'s module
docstring): every float must be finite (``inf`` and ``nan`` are refused), and a field may
declare bounds once in its metadata, ``"min"`` / ``"max"`` (inclusive) and ``"above"``
(exclusive), as :data:`LEARNING_RATE` and :data:`THREADS` do. A value outside them is a
:class:`~coordconv_train.errors.UserError`: one line, exit status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from coordconv_train import strict_json

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

MAX_THREADS = 1024  # torch CPU threads: more than any machine these runs are meant for
# Bounds to spread into a field's metadata (``metadata={"help": ..., **LEARNING_RATE}``).
# A rate of 10 already makes every optimiser here diverge at once; above it is a typo.
LEARNING_RATE: dict[str, float] = {"above": 0.0, "max": 10.0}
THREADS: dict[str, int] = {"min": 0, "max": MAX_THREADS}
_BOUNDS = ("above", "min", "max")


MAX_SEED = 2**32 - 1  # NumPy's global seed (seed_everything) takes no more


def seed(text: str) -> int:
    """``argparse`` type of a random seed: an integer in ``0..MAX_SEED``."""
    value = int(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"a seed is an integer in 0..{MAX_SEED}, not {text}")
    return value


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _base_type(tp: Any) -> Any:
    """``int | None`` -> ``int``; plain types pass through."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def bounds_text(metadata: Any) -> str:
    """``metadata``'s bounds in words (``"> 0 and <= 10"``); empty if it declares none."""
    words = {"above": ">", "min": ">=", "max": "<="}
    return " and ".join(f"{words[k]} {metadata[k]:g}" for k in _BOUNDS if k in metadata)


def within_bounds(value: float, metadata: Any) -> bool:
    """Whether ``value`` is finite (for a float) and inside ``metadata``'s bounds."""
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return (
        ("min" not in metadata or value >= metadata["min"])
        and ("max" not in metadata or value <= metadata["max"])
        and ("above" not in metadata or value > metadata["above"])
    )


def add_config_arguments(
    parser: argparse.ArgumentParser, config_cls: type[DataclassInstance]
) -> None:
    """Add one flag per dataclass field of ``config_cls`` to ``parser``."""
    hints = typing.get_type_hints(config_cls)
    for f in dataclasses.fields(config_cls):
        help_text = f.metadata.get("help", "")
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        tp = _base_type(hints[f.name])
        kwargs: dict[str, Any] = {"dest": f.name, "default": default}
        if tp is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
            kwargs["help"] = f"{help_text} (default: {default})"
        elif typing.get_origin(tp) in (list, tuple):
            (item,) = {a for a in typing.get_args(tp) if a is not Ellipsis}
            kwargs.update(nargs="+", type=item, help=f"{help_text} (default: {default})")
        else:
            kwargs["type"] = Path if tp is Path else tp
            if f.name == "seed" or f.name.endswith("_seed"):
                kwargs["type"] = seed
            limits = bounds_text(f.metadata)
            kwargs["help"] = f"{help_text} (default: {default}{'; ' + limits if limits else ''})"
            if "choices" in f.metadata:
                kwargs["choices"] = f.metadata["choices"]
        parser.add_argument(_flag(f.name), **kwargs)


def config_from_args(config_cls: type[T], args: argparse.Namespace) -> T:
    """Build ``config_cls`` from the namespace filled by :func:`add_config_arguments`; a
    number that is not finite or lies outside its field's bounds is a
    :class:`~coordconv_train.errors.UserError` (:func:`check_bounds`)."""
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(config_cls)}
    hints = typing.get_type_hints(config_cls)
    for name, value in values.items():
        if typing.get_origin(_base_type(hints[name])) is tuple and value is not None:
            values[name] = tuple(value)
    config = config_cls(**values)
    check_bounds(config)
    return config


def check_bounds(config: Any) -> None:
    """Refuse (:class:`~coordconv_train.errors.UserError`) a number of ``config`` that is not
    finite or lies outside its field's declared bounds."""
    from coordconv_train.errors import UserError

    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, bool) or not isinstance(item, int | float):
                continue
            if not within_bounds(item, f.metadata):
                limits = bounds_text(f.metadata) or "finite"
                raise UserError(f"--{f.name.replace('_', '-')} must be {limits}, got {item}")


def config_to_dict(config: Any) -> dict[str, Any]:
    """JSON-ready dict of a config dataclass (paths as strings, tuples as lists; a non-finite
    number as ``None``, noted: :mod:`~coordconv_train.strict_json`)."""
    return json.loads(strict_json.dumps(dataclasses.asdict(config), default=str))


def config_from_dict(config_cls: type[T], data: dict[str, Any]) -> T:
    """Inverse of :func:`config_to_dict` for configs written to ``config.json``."""
    hints = typing.get_type_hints(config_cls)
    values = {}
    for f in dataclasses.fields(config_cls):
        if f.name not in data:
            continue
        value, tp = data[f.name], _base_type(hints[f.name])
        if value is not None and tp is Path:
            value = Path(value)
        elif value is not None and typing.get_origin(tp) is tuple:
            value = tuple(value)
        values[f.name] = value
    return config_cls(**values)
