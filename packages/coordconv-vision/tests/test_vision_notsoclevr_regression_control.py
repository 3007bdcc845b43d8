"""The CoordConv regressor's control (paper S3, table S1): ``--model conv --readout softargmax|max``
is the same five layers with a plain first conv, the same read-out, init and recipe; without
``--readout`` (or at ``table-s1``) ``--model conv`` is still table S1's conv net."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_vision.cli import main
from coordconv_vision.notsoclevr.config import NotSoClevrConfig, resolve
from coordconv_vision.notsoclevr.models import build_model, count_parameters
from coordconv_vision.notsoclevr.models.regressor import GlobalPool
from coordconv_vision.notsoclevr.models.softargmax import SoftArgmax2d

# the first 1x1 layer sees 1 channel instead of [one-hot, x, y]: 2 x 8 weights fewer
COUNTS = {
    ("coordconv", "softargmax"): 908,
    ("coordconv", "max"): 906,
    ("conv", "softargmax"): 892,
    ("conv", "max"): 890,
}


@pytest.mark.parametrize(("model", "readout"), list(COUNTS))
@pytest.mark.parametrize("split", ["uniform", "quadrant"])
def test_parameter_counts_of_every_readout(model: str, readout: str, split: str) -> None:
    assert (
        count_parameters(build_model("regression", model, split, readout=readout))
        == (COUNTS[(model, readout)])
    )


def test_the_paper_conv_baseline_is_unchanged_without_a_readout() -> None:
    # table S1's conv nets (12,914 quadrant, 72,850 uniform), also at --readout table-s1
    for readout in (None, "table-s1"):
        assert count_parameters(build_model("regression", "conv", "quadrant", readout=readout)) == (
            12_914
        )
        assert count_parameters(build_model("regression", "conv", "uniform", readout=readout)) == (
            72_850
        )
    assert resolve(NotSoClevrConfig(task="regression", model="conv")).readout == "table-s1"
    with pytest.raises(ValueError, match="readout for --model coordconv"):
        build_model("regression", "coordconv", "uniform", readout="table-s1")


@pytest.mark.parametrize("readout", ["softargmax", "max"])
def test_the_control_is_the_coordconv_regressor_without_coordinate_channels(readout: str) -> None:
    torch.manual_seed(0)
    control = build_model("regression", "conv", "quadrant", readout=readout)
    coordconv = build_model("regression", "coordconv", "quadrant", readout=readout)
    assert not any(isinstance(m, CoordConv2d) for m in control.modules())
    assert isinstance(coordconv[0][0], CoordConv2d)
    # layer by layer the same shapes, but for the first layer's 1 input channel vs 1 + (x, y)
    shapes = [tuple(p.shape) for p in control.parameters()]
    assert shapes[0] == (8, 1, 1, 1)
    assert [tuple(p.shape) for p in coordconv.parameters()][1:] == shapes[1:]
    assert tuple(coordconv[0][0].weight.shape) == (8, 3, 1, 1)
    assert type(control[1]) is type(coordconv[1])  # the same read-out
    assert isinstance(control[1], SoftArgmax2d if readout == "softargmax" else GlobalPool)
    # the same init (official_init_): zero biases
    assert all(bool((m.bias == 0).all()) for m in control.modules() if isinstance(m, nn.Conv2d))
    # no coordinate input: with a max pool, a one-hot moved inside the image gives the same output
    if readout == "max":
        x = torch.zeros(2, 1, 64, 64)
        x[0, 0, 20, 20] = 1.0
        x[1, 0, 40, 30] = 1.0
        with torch.no_grad():
            out = control(x)
        torch.testing.assert_close(out[0], out[1])


@pytest.mark.parametrize("readout", ["softargmax", "max"])
def test_the_control_takes_the_coordconv_regressors_recipe(readout: str) -> None:
    control = resolve(NotSoClevrConfig(task="regression", model="conv", readout=readout))
    coordconv = resolve(NotSoClevrConfig(task="regression", model="coordconv", readout=readout))
    keys = ("epochs", "lr", "wd", "batch_size", "lr_step", "init", "readout")
    assert [getattr(control, k) for k in keys] == [getattr(coordconv, k) for k in keys]
    # and the paper's conv baseline keeps S3's recipe (Adam lr 5e-4, L2 5e-4, 50 epochs)
    table = resolve(NotSoClevrConfig(task="regression", model="conv"))
    assert (table.epochs, table.lr, table.wd, table.batch_size) == (50, 0.0005, 0.001, 32)


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        (["--task", "classification", "--readout", "max"], "--readout applies only to --task regression"),
        (["--task", "rendering", "--model", "deconv", "--readout", "softargmax"], "--readout applies only"),
        (["--task", "regression", "--readout", "table-s1"], "--readout table-s1 applies only"),
        (["--task", "regression", "--model", "conv", "--readout", "mean"], "invalid choice"),
    ],
)  # fmt: skip
def test_readout_mistakes_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], error: str
) -> None:
    out = tmp_path / "run"
    try:
        status = main(["notsoclevr", *flags, "--out", str(out)])
    except SystemExit as exc:  # argparse's own errors (an unknown choice) exit from the parser
        status = exc.code
    assert status == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert error in lines[0]
    assert not out.exists()  # refused before anything is written
