"""Smoke runs of every ``coordconv-rl`` subcommand with tiny budgets, resume and errors."""

from __future__ import annotations

import json
import os

import pytest

import coordconv_rl.a2c as a2c_module
import coordconv_train.run
from coordconv_rl.cli import main
from coordconv_rl.experiment import ExperimentConfig, grid, parse_shard
from coordconv_rl.games import TINY_ENV_ID
from coordconv_rl.report import welch_p
from coordconv_train import UserError
from coordconv_train.testing import run_python

RESULT_KEYS = {
    "env",
    "model",
    "variant",
    "optimizer",
    "seed",
    "frames",
    "final_score",
    "eval_returns",
    "train_last_returns_mean",
    "wall_time_s",
    "cpu_time_s",
    "fps",
}
DEVICE = os.environ.get("TORCH_DEVICE", "cpu")  # TORCH_DEVICE=cuda: same tests on a GPU
TINY = ["--env", TINY_ENV_ID, "--device", DEVICE, "--threads", "1", "--no-progress"]
CPU = ["--device", "cpu", "--threads", "1", "--no-progress"]


def _records(path):
    return [json.loads(line) for line in (path / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("model", ["conv", "coordconv"])
def test_train_steps_a_real_atari_game(tmp_path, model):
    out = tmp_path / "run"
    status = main(
        [
            "train",
            "--env",
            "ALE/MsPacman-v5",
            "--model",
            model,
            "--frames",
            "320",
            "--num-envs",
            "4",
            "--eval-episodes",
            "2",
            "--eval-max-steps",
            "30",
            "--log-interval",
            "4",
            "--device",
            "cpu",
            "--threads",
            "1",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    records = _records(out)
    losses = [r for r in records if "losses/loss" in r]
    assert [r["frames"] for r in losses] == [80, 160, 240, 320]
    assert all(r["losses/entropy"] > 0 for r in losses)
    results = json.loads((out / "results.json").read_text())
    assert set(results) == RESULT_KEYS
    assert results["env"] == "ALE/MsPacman-v5"
    assert results["frames"] == 320
    assert len(results["eval_returns"]) == 2
    assert (out / "model.safetensors").exists()
    assert (out / "checkpoint.safetensors").exists()


def test_train_gymnasium_wrapper_backend(tmp_path):
    status = main(
        [
            "train",
            "--env",
            "Pong",
            "--backend",
            "gymnasium",
            "--frames",
            "20",
            "--num-envs",
            "2",
            "--eval-episodes",
            "1",
            "--eval-max-steps",
            "5",
            *CPU,
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 0
    assert json.loads((tmp_path / "results.json").read_text())["frames"] == 20


def test_train_refuses_overwrite_then_resumes_after_graceful_stop(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    args = [
        "train",
        *TINY,
        "--frames",
        "1600",
        "--num-envs",
        "4",
        "--log-interval",
        "1",
        "--eval-episodes",
        "3",
        "--out",
        str(out),
    ]

    class StopAfter:  # GracefulStop whose flag rises after 7 updates, as if SIGTERM came
        def __enter__(self):
            self.checks = 0
            return self

        def __exit__(self, *exc):
            return None

        @property
        def requested(self):
            self.checks += 1
            return self.checks >= 7

        signal_name = "SIGTERM"

    monkeypatch.setattr(coordconv_train.run, "GracefulStop", StopAfter)
    assert main(args) == 130  # stopped: one exit status for every command
    assert not (out / "results.json").exists()
    assert max(r["frames"] for r in _records(out)) == 7 * 20
    monkeypatch.undo()

    assert main(args) == 2  # a run is there: no silent overwrite
    assert "--resume" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0
    loss_frames = [r["frames"] for r in _records(out) if "losses/loss" in r]
    assert loss_frames == list(range(20, 1601, 20))  # each update logged exactly once
    assert json.loads((out / "results.json").read_text())["frames"] == 1600
    assert main([*args, "--resume", "--frames", "3200"]) == 2  # config differs


def test_experiment_then_report(tmp_path):
    root = tmp_path / "grid"
    exp = [
        "experiment",
        "--games",
        TINY_ENV_ID,
        "--seeds",
        "2",
        "--frames",
        "160",
        "--num-envs",
        "4",
        "--eval-episodes",
        "4",
        *CPU,
        "--out",
        str(root),
    ]
    assert main([*exp, "--shard", "1/2"]) == 0
    finished = sorted(
        p.parent.relative_to(root).as_posix() for p in root.glob("*/*/*/results.json")
    )
    assert finished == ["TargetReach/conv/seed0", "TargetReach/conv/seed1"]  # interleaved slice
    assert main([*exp, "--shard", "2/2"]) == 0
    stamp = (root / "TargetReach/conv/seed0/results.json").stat().st_mtime_ns
    assert main(exp) == 0  # everything done: nothing reruns
    assert (root / "TargetReach/conv/seed0/results.json").stat().st_mtime_ns == stamp

    assert main(["report", str(root)]) == 0
    table = json.loads((root / "table_s7.json").read_text())
    (row,) = table["rows"]
    assert row["conv"]["n"] == 2
    assert row["coordconv"]["n"] == 2
    assert row["paper"] is None
    assert "TargetReach" in (root / "table_s7.md").read_text()
    assert (root / "curves_TargetReach.png").stat().st_size > 1000


def test_grid_covers_table_s7():
    runs = grid(ExperimentConfig())
    assert len(runs) == 9 * 2 * 10
    assert len({r.out for r in runs}) == 180
    assert runs[0].out.as_posix().endswith("Alien/conv/seed0")


def test_welch_p_matches_formula():
    from scipy import stats

    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 9.0]
    va, vb = stats.tvar(a) / 4, stats.tvar(b) / 4
    t = (2.5 - 5.25) / (va + vb) ** 0.5
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 3)
    assert welch_p(a, b) == pytest.approx(2 * stats.t.sf(abs(t), df))
    assert welch_p([1.0], b) is None
    assert welch_p([1.0, 1.0], [1.0, 1.0]) is None


def test_bad_input_exit_status_2(tmp_path, capsys):
    assert main(["train", "--env", "Zork", "--out", str(tmp_path / "x")]) == 2
    assert "unknown environment" in capsys.readouterr().err
    assert main(["experiment", "--shard", "3/2", "--out", str(tmp_path / "y")]) == 2
    assert main(["report", str(tmp_path / "nothing")]) == 2
    with pytest.raises(UserError, match="K/N"):
        parse_shard("1-2")


@pytest.mark.parametrize(
    "argv",
    [
        ["train", *TINY, "--resume"],  # resume of a run directory that does not exist
        ["train", "--env", "Zork"],  # a bad game name
        ["train", "--env", "ALE/Zork-v5"],  # an ALE id the ROM set does not have
        ["train", *TINY, "--coord-init", "gaussian"],  # the new choices of issue 14
        ["train", *TINY, "--optimizer", "adam"],
        ["train", *TINY, "--reward-clip", "tanh"],
        ["experiment", "--games", "Zork", "--seeds", "1", "--frames", "80"],
        ["experiment", "--games", "MsPacman", "--models", "conv", "dqn", "--seeds", "1"],
    ],
    ids=lambda argv: " ".join(argv[1:3] + argv[-2:]),
)
def test_bad_input_leaves_nothing_behind(tmp_path, capsys, argv):
    out = tmp_path / "runs" / "x"
    try:
        status = main([*argv, "--out", str(out)])
    except SystemExit as exc:  # a choice argparse refuses: CliParser's one line, exit 2
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "error:" in err, err
    assert list(tmp_path.iterdir()) == []  # not even the parent of --out


@pytest.mark.parametrize("field", ["coord_init", "optimizer", "reward_clip"])
def test_new_config_fields_checked_before_the_run_directory(tmp_path, field):
    cfg = a2c_module.A2CConfig(env=TINY_ENV_ID, out=tmp_path / "run", **{field: "nonsense"})
    with pytest.raises(UserError):
        a2c_module.train(cfg)
    assert list(tmp_path.iterdir()) == []


def test_help_and_subprocess_exit_status():
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    proc = run_python("-m", "coordconv_rl.cli", "train", "--frames", "x")
    assert proc.returncode == 2
    assert "invalid int value" in proc.stderr
