"""Config dataclasses <-> flags <-> JSON, and the run directory's no-silent-overwrite rules."""

from __future__ import annotations

import argparse
import json
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from coordconv_core.training import (
    GracefulStop,
    RunDir,
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


def test_run_cli_turns_user_error_into_status_2(capsys):
    def dispatch(args):
        raise UserError("the data file is truncated")

    assert run_cli(_parser(), [], dispatch) == 2
    assert capsys.readouterr().err.strip() == "demo: error: the data file is truncated"
    assert run_cli(_parser(), [], lambda args: None) == 0


def test_run_directory_refuses_overwrite_and_checks_config_on_resume(tmp_path):
    run = RunDir(tmp_path / "run")
    assert run.prepare({"lr": 0.1}) is False
    run.log({"epoch": 1, "loss": 2.0})
    run.log({"epoch": 2, "loss": 1.0})
    with pytest.raises(UserError, match="already holds a run"):
        RunDir(tmp_path / "run").prepare({"lr": 0.1})
    with pytest.raises(UserError, match=r"config differs \(lr: 0.1 -> 0.2\)"):
        RunDir(tmp_path / "run").prepare({"lr": 0.2}, resume=True)
    # resuming without a checkpoint yet reports False; the log is kept
    assert RunDir(tmp_path / "run").prepare({"lr": 0.1, "device": "cpu"}, resume=True) is False
    assert [r["epoch"] for r in run.metrics()] == [1, 2]
    run.truncate_metrics(lambda r: r["epoch"] <= 1)
    assert [r["epoch"] for r in run.metrics()] == [1]
    # --overwrite wipes the old run
    assert RunDir(tmp_path / "run").prepare({"lr": 0.3}, overwrite=True) is False
    assert run.metrics() == []
    assert json.loads((tmp_path / "run" / "config.json").read_text()) == {"lr": 0.3}
    run.write_results({"accuracy": 1.0})
    assert run.read_results() == {"accuracy": 1.0}


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


def test_flush_denormals_zeroes_denormals_on_cpu_only_inside_the_block():
    import torch

    from coordconv_core.training import flush_denormals

    tiny = torch.tensor([1e-39], dtype=torch.float32)  # a float32 denormal
    assert float(tiny * 1.0) > 0
    with flush_denormals(torch.device("cpu")):
        if torch.set_flush_denormal(True):  # the CPU supports it (x86 with SSE3)
            assert float(tiny * 1.0) == 0.0
    assert float(tiny * 1.0) > 0  # restored
    with flush_denormals(torch.device("meta")):
        assert float(tiny * 1.0) > 0
