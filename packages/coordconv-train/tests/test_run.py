"""The run skeleton (coordconv_train.run): open, restore, stop, checkpoint, weights, finish."""

from __future__ import annotations

import os
import signal
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from coordconv_train import (
    FINISHED,
    RESUMABLE,
    STOPPED,
    Run,
    UserError,
    is_stopped,
    load_checkpoint,
)
from coordconv_train.run import AGREE_EVERY
from coordconv_train.testing import TinyRunConfig


def test_fresh_open_writes_the_run_and_returns_no_state(tmp_path: Path) -> None:
    run = Run(TinyRunConfig(tmp_path / "r"), project="test")
    run.check()
    assert not (tmp_path / "r").exists()  # check writes nothing
    assert run.open() is None
    assert (tmp_path / "r" / "config.json").is_file()
    assert run.is_main


def test_checkpoint_then_resume_returns_the_state_and_restores_rng(tmp_path: Path) -> None:
    config = TinyRunConfig(tmp_path / "r")
    run = Run(config, project="test")
    run.open()
    for step in (1, 2, 3):
        run.log({"step": step, "loss": 1.0 / step}, step=step)
    torch.manual_seed(123)
    run.checkpoint({"step": 2, "w": torch.arange(3.0)})
    expected = torch.rand(4)  # what the RNG gives right after the checkpoint

    resumed = Run(replace(config, resume=True, epochs=5), project="test")  # a budget may change
    state = resumed.open()
    assert state is not None
    assert state["step"] == 2
    assert torch.equal(state["w"], torch.arange(3.0))
    torch.manual_seed(999)
    resumed.restore(state, keep=lambda r: r["step"] <= state["step"])
    assert torch.equal(torch.rand(4), expected)
    assert [r["step"] for r in resumed.dir.metrics()] == [1, 2]


def test_resume_refuses_a_change_to_the_experiment(tmp_path: Path) -> None:
    config = TinyRunConfig(tmp_path / "r")
    Run(config, project="test").open()
    with pytest.raises(UserError, match="lr"):
        Run(replace(config, resume=True, lr=0.2), project="test").check()


def test_resumable_names_housekeeping_and_budgets_not_the_experiment() -> None:
    assert {"epochs", "max_steps", "device", "resume", "overwrite"} <= set(RESUMABLE)
    assert not {"lr", "seed", "model", "batch_size", "out", "frames"} & set(RESUMABLE)


def test_a_signal_is_a_stop_agreed_at_once_by_one_process(tmp_path: Path) -> None:
    run = Run(TinyRunConfig(tmp_path / "r"), project="test")
    run.open()
    assert not run.should_stop(1)  # outside stopping(): no handler, no stop
    with run.stopping():
        assert not run.should_stop(1)
        os.kill(os.getpid(), signal.SIGTERM)
        assert run.stop_requested
        assert run.should_stop(3)  # one process: not only every AGREE_EVERY steps
        assert 3 % AGREE_EVERY
        result = run.stopped(step=3)
    assert result == {"status": STOPPED, "step": 3}
    assert is_stopped(result)
    assert not is_stopped({"status": FINISHED})
    assert not is_stopped(None)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored


def test_weights_are_plain_safetensors_written_atomically(tmp_path: Path, monkeypatch) -> None:
    run = Run(TinyRunConfig(tmp_path / "r"), project="test")
    run.open()
    module = torch.nn.Linear(2, 3)
    path = run.save_weights(module)
    loaded = load_file(str(path))
    assert set(loaded) == {"weight", "bias"}
    assert torch.equal(loaded["weight"], module.weight.detach())

    def fail(*args, **kwargs):  # a write that dies half way leaves the old file
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("safetensors.torch.save_file", fail)
    with pytest.raises(OSError, match="No space left"):
        run.save_weights(torch.nn.Linear(2, 3))
    assert torch.equal(load_file(str(path))["weight"], module.weight.detach())
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == [
        ".coordconv-files",  # the list of the run's files (issue 24)
        ".coordconv-run",
        ".coordconv-run.lock",  # held while the run is open (issue 24)
    ]


def test_finish_writes_results_and_checkpoint_is_loadable(tmp_path: Path) -> None:
    run = Run(TinyRunConfig(tmp_path / "r"), project="test")
    run.open()
    run.checkpoint({"step": 4})
    assert load_checkpoint(run.dir.checkpoint)["step"] == 4
    assert run.finish({"acc": 1.0}) == {"acc": 1.0}
    assert run.dir.read_results() == {"acc": 1.0}
