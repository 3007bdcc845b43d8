"""``option``: a config field in one call, the same flag as ``field(default=..., metadata=...)``."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field

import pytest

from coordconv_train import UserError, add_config_arguments, config_from_args
from coordconv_train.config import LEARNING_RATE
from coordconv_train.option import option


@dataclass
class Spelled:
    lr: float = field(default=0.01, metadata={"help": "learning rate", **LEARNING_RATE})
    split: str = field(default="a", metadata={"help": "split", "choices": ["a", "b"]})


@dataclass
class WithOption:
    lr: float = option(0.01, "learning rate", **LEARNING_RATE)
    split: str = option("a", "split", choices=["a", "b"])


def _help(config_cls: type) -> str:
    parser = argparse.ArgumentParser(prog="demo")
    add_config_arguments(parser, config_cls)
    return parser.format_help()


def test_option_is_the_spelled_out_field() -> None:
    spelled, short = dataclasses.fields(Spelled), dataclasses.fields(WithOption)
    assert [(f.name, f.default, dict(f.metadata)) for f in spelled] == [
        (f.name, f.default, dict(f.metadata)) for f in short
    ]
    assert _help(Spelled) == _help(WithOption)


def test_option_bounds_are_checked() -> None:
    parser = argparse.ArgumentParser(prog="demo")
    add_config_arguments(parser, WithOption)
    with pytest.raises(UserError, match="--lr must be > 0"):
        config_from_args(WithOption, parser.parse_args(["--lr", "0"]))
