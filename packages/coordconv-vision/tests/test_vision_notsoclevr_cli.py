"""Smoke runs of ``coordconv-vision notsoclevr`` and ``sweep`` with tiny budgets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from coordconv_vision.cli import main
from coordconv_vision.notsoclevr.config import NotSoClevrConfig, resolve

TINY = ["--epochs", "1", "--train-limit", "16", "--batch-size", "8", "--no-progress"]
KEYS = {
    "classification": {"train_accuracy", "test_accuracy"},
    "regression": {"train_accuracy", "test_accuracy", "train_pixel_error", "test_pixel_error"},
    "rendering": {"train_iou", "test_iou"},
}
COMMON = {"task", "model", "split", "params", "epochs", "wall_time_s", "train_loss", "test_loss"}


@pytest.mark.parametrize(
    ("task", "model", "split", "figure"),
    [
        ("classification", "coordconv", "quadrant", "logits.png"),
        ("classification", "deconv", "uniform", "logits.png"),
        ("regression", "coordconv", "uniform", "regression.png"),
        ("regression", "conv", "quadrant", "regression.png"),
        ("rendering", "coordconv", "quadrant", "renderings.png"),
        ("rendering", "deconv", "quadrant", "renderings.png"),
    ],
)
def test_notsoclevr_run_writes_the_run_directory(
    tmp_path: Path, task: str, model: str, split: str, figure: str
) -> None:
    out = tmp_path / "run"
    argv = ["notsoclevr", "--task", task, "--model", model, "--split", split, "--out", str(out)]
    assert main([*argv, *TINY, "--device", "cpu"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert COMMON | KEYS[task] <= results.keys()
    assert (results["task"], results["model"], results["split"]) == (task, model, split)
    for name in (
        "config.json",
        "metrics.jsonl",
        "model.safetensors",
        "checkpoint.safetensors",
        figure,
    ):
        assert (out / name).is_file(), name
    config = json.loads((out / "config.json").read_text())
    assert config["lr"] is not None  # paper defaults resolved into config.json
    assert config["init"] == resolve(NotSoClevrConfig(task=task, model=model)).init
    # a second run into the same directory is refused without --overwrite
    assert main([*argv, *TINY]) == 2


def test_raw_coords_option_is_recorded(tmp_path: Path) -> None:
    out = tmp_path / "raw"
    argv = ["notsoclevr", "--task", "rendering", "--raw-coords", "--out", str(out), *TINY]
    assert main(argv) == 0
    assert json.loads((out / "results.json").read_text())["raw_coords"] is True


def test_bad_combination_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["notsoclevr", "--task", "regression", "--model", "deconv", "--out", str(tmp_path)])
    assert code == 2
    assert "does not apply" in capsys.readouterr().err
    assert main(["notsoclevr", "--epochs", "0", "--out", str(tmp_path / "x")]) == 2
    capsys.readouterr()
    for flags, out, error in [
        (["--task", "classification", "--where-loss", "joint"], "w", "--where-loss applies only"),
        (["--model", "deconv", "--init", "equivariant"], "i", "--init equivariant applies only"),
        (["--task", "rendering", "--model", "deconv", "--init", "equivariant"], "i",
         "--init equivariant applies only"),
        (["--task", "regression", "--init", "torch"], "i", "--init torch does not apply"),
        (["--task", "regression", "--model", "conv", "--init", "equivariant"], "i",
         "--init equivariant does not apply"),
    ]:  # fmt: skip
        assert main(["notsoclevr", *flags, "--out", str(tmp_path / out)]) == 2
        err = capsys.readouterr().err
        assert error in err
        assert err.strip().count("\n") == 0  # one line
    assert not (tmp_path / "i").exists()  # refused before anything is written


def test_coordconv_painters_start_equivariant_by_default() -> None:
    # the labelled deviation (--help, README): CoordConv classification and rendering only
    def init_of(task: str, model: str) -> str | None:
        return resolve(NotSoClevrConfig(task=task, model=model)).init

    assert init_of("classification", "coordconv") == "equivariant"
    assert init_of("rendering", "coordconv") == "equivariant"
    assert init_of("classification", "deconv") == "torch"
    # the regressors are always built with official_init_, and config.json says so
    assert init_of("regression", "coordconv") == "official"
    assert init_of("regression", "conv") == "official"


def test_official_init_is_recorded_in_the_resolved_config(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = ["notsoclevr", "--task", "rendering", "--model", "deconv", "--init", "official",
            "--out", str(out)]  # fmt: skip
    assert main([*argv, *TINY, "--no-figures", "--device", "cpu"]) == 0
    assert json.loads((out / "config.json").read_text())["init"] == "official"


def test_sweep_keeps_the_best_by_validation(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    argv = ["sweep", "--splits", "quadrant", "--filter-sizes", "2", "--channel-mults", "1",
            "--lrs", "0.01", "--wds", "0.001", "--batch-sizes", "32", "--coordconv-lrs", "0.005",
            "0.01", "--epochs", "1", "--coordconv-epochs", "1", "--train-limit", "32", "--no-progress", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["runs"]) == 3
    assert set(summary["best"]) == {"deconv/quadrant", "coordconv/quadrant"}
    best = summary["best"]["coordconv/quadrant"]
    cc_runs = [r for r in summary["runs"] if r["model"] == "coordconv"]
    assert best["val_accuracy"] == max(r["val_accuracy"] for r in cc_runs)
    assert (out / "size_vs_accuracy.png").is_file()
    assert main([*argv, "--resume"]) == 0  # finished runs are reused
    grown = [*argv, "--coordconv-lrs", "0.005", "0.01", "0.001", "--resume"]
    assert main(grown) == 0  # a resumed sweep may grow its grid: only the new run trains
    assert len(json.loads((out / "summary.json").read_text())["runs"]) == 4
    assert main([*argv, "--train-limit", "16", "--resume"]) == 2  # not the same experiment


def test_bad_flag_exits_two_in_a_subprocess(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "coordconv_vision.cli", "notsoclevr", "--split", "diagonal"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr
