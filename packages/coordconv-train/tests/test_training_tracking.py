"""``--log-with``: trackers checked before anything is written, scalars read back from TensorBoard."""

from __future__ import annotations

import pytest

from coordconv_train import UserError, make_accelerator
from coordconv_train.tracking import (
    check_log_with,
    end_tracking,
    hparams,
    installed_trackers,
    known_trackers,
    read_tensorboard_scalars,
    start_tracking,
    tracking_options,
)


def test_no_trackers_means_no_accelerator_options(tmp_path):
    assert tracking_options([], tmp_path) == {}
    assert not list(tmp_path.iterdir())


def test_unknown_tracker_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="unknown tracker 'tensorbored'; choose from"):
        tracking_options(["tensorbored"], tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_tracker_without_its_package_is_a_user_error(tmp_path):
    missing = sorted(set(known_trackers()) - set(installed_trackers()))
    if not missing:
        pytest.skip("every tracker Accelerate knows is installed here")
    with pytest.raises(
        UserError, match=f"--log-with {missing[0]}: the .* package is not installed"
    ):
        check_log_with(["tensorboard", missing[0]])


def test_duplicates_are_dropped():
    pytest.importorskip("tensorboard")
    assert check_log_with(["tensorboard", "tensorboard"]) == ["tensorboard"]


def test_hparams_are_flat_scalars():
    config = {"lr": 0.01, "epochs": 3, "amp": True, "model": "coordconv", "sizes": [1, 2]}
    config |= {"lr_step": None, "out": "runs/x"}
    assert hparams(config) == {
        "lr": 0.01,
        "epochs": 3,
        "amp": True,
        "model": "coordconv",
        "sizes": "1, 2",
        "lr_step": "None",
        "out": "runs/x",
    }


def test_tensorboard_gets_the_logged_scalars(tmp_path):
    pytest.importorskip("tensorboard")
    out = tmp_path / "run"
    accelerator = make_accelerator("cpu", **tracking_options(["tensorboard"], out))
    start_tracking(accelerator, "coordconv-test", {"lr": 0.5, "sizes": [3, 4], "seed": None})
    records = [{"epoch": e, "train_loss": 1.0 / e, "test/accuracy": e / 4} for e in (1, 2, 3)]
    for record in records:
        accelerator.log(record, step=record["epoch"])
    end_tracking(accelerator)

    scalars = read_tensorboard_scalars(out / "coordconv-test")
    assert scalars["train_loss"] == [(1, 1.0), (2, 0.5), (3, pytest.approx(1 / 3))]
    assert scalars["test/accuracy"] == [(1, 0.25), (2, 0.5), (3, 0.75)]
    assert scalars["epoch"] == [(1, 1.0), (2, 2.0), (3, 3.0)]
