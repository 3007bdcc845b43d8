"""Config dataclasses <-> flags <-> JSON, graceful stop and device choice (the run directory's
rules: test_training_rundir.py; console-script statuses: test_training_cli.py)."""

from __future__ import annotations

import argparse
import json
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from coordconv_train import (
    GracefulStop,
    UserError,
    add_config_arguments,
    config_from_args,
    config_from_dict,
    config_to_dict,
    resolve_device,
    run_cli,
)


@dataclass
class DemoConfig:
    lr: float = field(default=0.01, metadata={"help": "learning rate"})
    split: str = field(
        default="uniform", metadata={"help": "split", "choices": ["uniform", "quadrant"]}
    )
    amp: bool = field(default=True, metadata={"help": "mixed precision on GPU"})
    sizes: tuple[int, ...] = field(default=(2, 3), metadata={"help": "filter sizes"})
    out: Path | None = field(default=None, metadata={"help": "run directory"})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="demo")
    add_config_arguments(parser, DemoConfig)
    return parser


def test_flags_round_trip_through_json():
    args = _parser().parse_args(
        ["--lr", "0.5", "--split", "quadrant", "--no-amp", "--sizes", "4", "5", "--out", "r"]
    )
    config = config_from_args(DemoConfig, args)
    assert config == DemoConfig(lr=0.5, split="quadrant", amp=False, sizes=(4, 5), out=Path("r"))
    as_json = json.loads(json.dumps(config_to_dict(config)))
    assert as_json["out"] == "r"
    assert config_from_dict(DemoConfig, as_json) == config


def test_defaults_and_help():
    parser = _parser()
    assert config_from_args(DemoConfig, parser.parse_args([])) == DemoConfig()
    text = parser.format_help()
    assert "learning rate (default: 0.01)" in text
    assert "--no-amp" in text


def test_bad_choice_exits_with_status_2(capsys):
    with pytest.raises(SystemExit) as info:
        _parser().parse_args(["--split", "diagonal"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@dataclass
class SeededConfig:
    seed: int = field(default=0, metadata={"help": "random seed"})
    first_seed: int = field(default=0, metadata={"help": "first of several seeds"})


@pytest.mark.parametrize("flag", ["--seed", "--first-seed"])
@pytest.mark.parametrize("value", ["-1", str(2**32), "1000000000000"])
def test_a_seed_no_rng_accepts_exits_with_status_2(flag, value, capsys):
    """A seed outside NumPy's 0..2**32-1 was a traceback mid-run (found by the argument fuzz)."""
    parser = argparse.ArgumentParser(prog="demo")
    add_config_arguments(parser, SeededConfig)
    assert parser.parse_args([flag, str(2**32 - 1)]).__dict__[flag[2:].replace("-", "_")] == (
        2**32 - 1
    )
    with pytest.raises(SystemExit) as info:
        parser.parse_args([flag, value])
    assert info.value.code == 2
    assert "a seed is an integer in 0..4294967295" in capsys.readouterr().err


def test_run_cli_turns_user_error_into_status_2(capsys):
    def dispatch(args):
        raise UserError("the data file is truncated")

    assert run_cli(_parser(), [], dispatch) == 2
    assert capsys.readouterr().err.strip() == "demo: error: the data file is truncated"
    assert run_cli(_parser(), [], lambda args: None) == 0


def test_graceful_stop_turns_sigterm_into_a_flag():
    with GracefulStop() as stop:
        assert not stop.requested
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.requested
        assert stop.signal_name == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_resolve_device(monkeypatch):
    monkeypatch.delenv("TORCH_DEVICE", raising=False)
    assert resolve_device("cpu").type == "cpu"
    with pytest.raises(UserError, match="unknown device"):
        resolve_device("tpu")
    if not __import__("torch").cuda.is_available():
        with pytest.raises(UserError, match="no CUDA device"):
            resolve_device("cuda")
        assert resolve_device("auto").type == "cpu"


@dataclass
class BoundedConfig:
    lr: float = field(default=0.01, metadata={"help": "rate", "above": 0.0, "max": 10.0})
    threads: int = field(default=0, metadata={"help": "threads", "min": 0, "max": 1024})
    rates: tuple[float, ...] = field(default=(0.1,), metadata={"help": "rates", "above": 0.0})
    scale: float = field(default=1.0, metadata={"help": "no declared bounds"})


@pytest.mark.parametrize(
    "argv",
    [
        ["--lr", "inf"],
        ["--lr", "nan"],
        ["--lr", "1e30"],
        ["--lr", "0"],
        ["--lr", "-0.1"],
        ["--threads", str(10**12)],
        ["--threads", "-1"],
        ["--rates", "0.1", "inf"],
        ["--scale=-inf"],  # every float flag must be finite, bounds declared or not
    ],
)
def test_numbers_outside_their_bounds_are_user_errors(argv):
    parser = argparse.ArgumentParser(prog="demo")
    add_config_arguments(parser, BoundedConfig)
    with pytest.raises(UserError, match=f"^{argv[0].split('=')[0]} must be "):
        config_from_args(BoundedConfig, parser.parse_args(argv))


def test_numbers_inside_their_bounds_are_kept():
    parser = argparse.ArgumentParser(prog="demo")
    add_config_arguments(parser, BoundedConfig)
    argv = ["--lr", "10", "--threads", "1024", "--rates", "1e-9", "--scale", "-3"]
    assert config_from_args(BoundedConfig, parser.parse_args(argv)) == BoundedConfig(
        10.0, 1024, (1e-9,), -3.0
    )


@pytest.mark.parametrize("name", ["garbage", "mps", "cuda:64"])
def test_a_torch_device_of_the_environment_that_is_not_here_is_a_user_error(monkeypatch, name):
    monkeypatch.setenv("TORCH_DEVICE", name)
    with pytest.raises(UserError, match="TORCH_DEVICE"):
        resolve_device("auto")
    monkeypatch.setenv("TORCH_DEVICE", "cpu")
    assert resolve_device("auto").type == "cpu"


def test_importing_coordconv_train_does_not_import_torch():
    """What lets a console script handle a signal while torch is importing (console_main)."""
    import subprocess
    import sys

    code = "import sys, coordconv_train; print('torch' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
