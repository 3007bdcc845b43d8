"""A non-finite loss stops a run cleanly (Run.check_finite; the state check in Run.checkpoint)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from coordconv_train import LOCK, NonFiniteLoss, Run, UserError, load_checkpoint
from coordconv_train.lock import held_dirs
from coordconv_train.testing import TinyRunConfig


def test_a_nan_loss_stops_with_one_line_naming_the_step_and_keeps_the_checkpoint(
    tmp_path: Path,
) -> None:
    run = Run(TinyRunConfig(tmp_path / "r"), project="test")
    run.open()
    weights = torch.ones(3)
    run.checkpoint({"model": {"w": weights}, "step": 5})
    run.check_finite(0.25, step=6)  # finite: nothing happens
    run.check_finite({"loss_d": 1.0, "loss_g": 2.0}, step=6)
    with pytest.raises(NonFiniteLoss) as caught:
        run.check_finite(math.nan, step=7, epoch=1)
    text = str(caught.value)
    assert isinstance(caught.value, UserError)
    assert "\n" not in text
    assert text.startswith("the loss became nan at step 7 (epoch 1); ")
    assert f"the last good checkpoint (step 5) is kept in {run.path}" in text
    assert torch.equal(load_checkpoint(run.dir.checkpoint)["model"]["w"], weights)
    assert not (run.path / "results.json").exists()
    assert not (run.path / LOCK).exists()
    assert run.path.resolve() not in held_dirs()  # let go


def test_named_losses_and_no_checkpoint_yet(tmp_path: Path) -> None:
    run = Run(TinyRunConfig(tmp_path / "r"), project="test")
    run.open()
    with pytest.raises(NonFiniteLoss, match=r"^loss_g became inf at step 1; no checkpoint"):
        run.check_finite({"loss_d": 0.5, "loss_g": math.inf}, step=1)


def test_a_state_with_non_finite_weights_is_not_checkpointed(tmp_path: Path) -> None:
    run = Run(TinyRunConfig(tmp_path / "r"), project="test")
    run.open()
    run.checkpoint({"model": {"w": torch.ones(2)}, "step": 4})
    with pytest.raises(NonFiniteLoss, match=r"^the weights became nan at step 8; .*\(step 4\)"):
        run.checkpoint({"model": {"w": torch.tensor([1.0, math.nan])}, "step": 8})
    assert load_checkpoint(run.dir.checkpoint)["step"] == 4
