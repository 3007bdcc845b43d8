"""Typed settings of one package command: config field name -> value, checked and turned into flags.

Every training command of the reproduction (Liu et al. 2018, sections 4-6 and S1-S8) is a
package subcommand whose flags are the fields of one config dataclass
(``coordconv_train.add_config_arguments``). A preset gives its extra settings as a mapping of
those field names to typed values; :func:`check_settings` refuses an unknown name (suggesting
the closest field), a value of the wrong type, and anything the command line would not carry
back exactly (the flags are parsed by the command's own parser and rebuilt with
``config_from_args``, as the package does); :func:`to_argv` writes the flags. See
``docs/architecture.md`` (one config dataclass per experiment).
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import importlib
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

Settings = Mapping[str, Any]


class SettingError(ValueError):
    """A preset setting that its command's config does not accept (one line)."""


@dataclass(frozen=True)
class Command:
    """A package subcommand and where its config dataclass lives (imported only when checked)."""

    name: str  # e.g. "coordconv-vision notsoclevr", for messages
    module: str  # e.g. "coordconv_vision.notsoclevr.config"
    config: str  # e.g. "NotSoClevrConfig"

    def config_class(self) -> type:
        """The config dataclass whose fields are this command's flags."""
        return getattr(importlib.import_module(self.module), self.config)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def format_number(value: float) -> str:
    """The shortest decimal text that reads back as ``value`` (``2e-4``, ``0.5``, ``10``)."""
    if isinstance(value, int):
        return str(value)
    plain = repr(value)
    for digits in range(17):
        mantissa, exponent = f"{value:.{digits}e}".split("e")
        if float(f"{mantissa}e{exponent}") == value:
            break
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    scientific = f"{mantissa}e{int(exponent)}"
    return scientific if len(scientific) < len(plain) else plain


def _text(value: Any) -> str:
    return format_number(value) if isinstance(value, int | float) else str(value)


def to_argv(settings: Settings) -> list[str]:
    """The flags of ``settings``, in their order: ``{"lr_d": 2e-4}`` -> ``["--lr-d", "2e-4"]``.

    Booleans become ``--name`` / ``--no-name`` and lists repeat their items after one flag, as
    ``add_config_arguments`` defines them.
    """
    argv: list[str] = []
    for name, value in settings.items():
        if isinstance(value, bool):
            argv.append(_flag(name) if value else "--no-" + name.replace("_", "-"))
        elif isinstance(value, list | tuple):
            argv += [_flag(name), *map(_text, value)]
        else:
            argv += [_flag(name), _text(value)]
    return argv


def type_name(hint: Any) -> str:
    """``int | None`` -> ``'int | None'``; ``list[str]`` -> ``'list[str]'``."""
    return hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "")


def has_type(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the annotated type ``hint`` (ints count as floats, bools as
    neither; strings as paths, which the flags carry alike)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if hint is type(None) or hint is None:
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(has_type(value, arm) for arm in args)
    if origin is typing.Literal:
        return value in args
    if origin in (list, tuple):
        items = [a for a in args if a is not Ellipsis] or [Any]
        return isinstance(value, list | tuple) and all(has_type(v, items[0]) for v in value)
    if origin is dict:
        key, item = args or (Any, Any)
        return isinstance(value, dict) and all(
            has_type(k, key) and has_type(v, item) for k, v in value.items()
        )
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is Path:
        return isinstance(value, str | Path)
    return isinstance(value, origin or hint)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise SettingError(message)


def check_settings(
    command: Command, settings: Settings, reserved: frozenset[str] = frozenset()
) -> None:
    """Refuse any setting ``command``'s config would not take exactly as given.

    ``reserved``: names the reproduction sets itself for this command (seeds, data, output);
    a preset may not set them. Raises :class:`SettingError` with one line naming the setting.
    """
    config_cls = command.config_class()
    fields = {f.name: f for f in dataclasses.fields(config_cls)}
    hints = typing.get_type_hints(config_cls)
    for name, value in settings.items():
        if name not in fields:
            close = difflib.get_close_matches(name, list(fields), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"see {command.name} --help"
            raise SettingError(f"unknown setting {name!r} ({hint})")
        if name in reserved:
            raise SettingError(f"setting {name!r} is set by the reproduction itself")
        if not has_type(value, hints[name]):
            raise SettingError(
                f"setting {name!r} must be {type_name(hints[name])}, "
                f"got {type(value).__name__} {value!r}"
            )
        choices = fields[name].metadata.get("choices")
        if choices is not None and value not in choices:
            raise SettingError(
                f"setting {name!r} must be one of {', '.join(map(str, choices))}, got {value!r}"
            )
    _check_round_trip(command, config_cls, settings)


def _check_round_trip(command: Command, config_cls: type, settings: Settings) -> None:
    """The flags, parsed as the package parses them, must give back every setting."""
    from coordconv_train import UserError, add_config_arguments, config_from_args, config_to_dict

    parser = _Parser(prog=command.name, add_help=False)
    add_config_arguments(parser, config_cls)
    try:
        config = config_from_args(config_cls, parser.parse_args(to_argv(settings)))
    except (SettingError, UserError, ValueError, TypeError) as exc:
        raise SettingError(f"{command.name} refuses the settings: {exc}") from exc
    parsed = config_to_dict(config)
    wanted = json.loads(json.dumps(dict(settings), default=str))
    for name, value in wanted.items():
        if parsed[name] != value:
            raise SettingError(
                f"setting {name!r}: the flags {' '.join(to_argv({name: settings[name]}))} "
                f"give {parsed[name]!r}, not {value!r}"
            )
