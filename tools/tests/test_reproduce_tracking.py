"""``--log-with tensorboard`` on every training command: the event files hold metrics.jsonl.

Each command runs for a few steps with ``--log-with tensorboard``; TensorBoard's own
``EventAccumulator`` reads the event files back and every numeric value of every
``metrics.jsonl`` record must be there, under the same name, at the record's step. A bad
tracker name is a one-line error (exit 2) that leaves no run directory behind.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

pytest.importorskip("tensorboard")

from coordconv_train.tracking import read_tensorboard_scalars


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def assert_tracked(run: Path, project: str, step_key: str) -> None:
    """Every number of metrics.jsonl is a TensorBoard scalar of the same name at the record's
    step (several records may share a step: episodes that end together)."""
    scalars = read_tensorboard_scalars(run / project)
    expected: dict[str, list[tuple[int, float]]] = {}
    for record in _records(run):
        for key, value in record.items():
            if isinstance(value, int | float) and not math.isnan(value):
                expected.setdefault(key, []).append((int(record[step_key]), float(value)))
    assert expected, f"{run}: metrics.jsonl is empty"
    for key, points in expected.items():
        logged = sorted(scalars.get(key, []))
        assert [s for s, _ in logged] == [s for s, _ in sorted(points)], (run, key)
        assert [v for _, v in logged] == pytest.approx([v for _, v in sorted(points)], rel=1e-6)


@pytest.fixture(scope="module")
def data(tmp_path_factory, image_folder) -> dict[str, Path]:
    from coordconv_data import scattered_mnist, shapes

    root = tmp_path_factory.mktemp("data")
    det = scattered_mnist.generate(scattered_mnist.load_digits(), n_train=32, n_test=8, seed=0)
    imagenet = root / "imagenet"
    image_folder(imagenet / "train", classes=2, per_class=4, learnable=False)
    image_folder(imagenet / "val", classes=2, per_class=2, learnable=False)
    return {
        "detection": scattered_mnist.save(det, root / "scattered_mnist.npz"),
        "shapes": shapes.save(shapes.generate(n=32, seed=0), root / "shapes.npz"),
        "imagenet": imagenet,
    }


TB = ["--log-with", "tensorboard", "--device", "cpu"]
GENERATIVE_TINY = "--width-divisor 16 --batch-size 8 --max-steps 2"


def _vision(argv: list[str]) -> int:
    from coordconv_vision.cli import main

    return main(argv)


def _generative(argv: list[str]) -> int:
    from coordconv_generative.cli import main

    return main(argv)


def _rl(argv: list[str]) -> int:
    from coordconv_rl.cli import main

    return main(argv)


# command -> (console-script main, argv before --out, project folder, step key)
COMMANDS = {
    "notsoclevr": (
        _vision,
        lambda d: ["notsoclevr", "--epochs", "1", "--train-limit", "32", "--no-figures"],
        "coordconv-vision",
        "epoch",
    ),
    "detect": (
        _vision,
        lambda d: f"detect --data {d['detection']} --epochs 1 --log-every 1".split(),
        "coordconv-vision",
        "step",
    ),
    "imagenet": (
        _vision,
        lambda d: (
            f"imagenet --data {d['imagenet']} --model resnet18 --image-size 32 "
            "--batch-size 4 --workers 0 --log-every 1 --epochs 1".split()
        ),
        "coordconv-vision",
        "step",
    ),
    "gan": (
        _generative,
        lambda d: f"gan --data {d['shapes']} {GENERATIVE_TINY} --log-every 1".split(),
        "coordconv-generative",
        "step",
    ),
    "vae": (
        _generative,
        lambda d: f"vae --data {d['shapes']} {GENERATIVE_TINY} --log-every 1".split(),
        "coordconv-generative",
        "step",
    ),
    "a2c": (
        _rl,
        lambda d: [
            "train",
            "--env",
            "coordconv_rl/TargetReach-v0",
            "--frames",
            "320",
            "--num-envs",
            "4",
            "--log-interval",
            "4",
            "--eval-episodes",
            "1",
            "--no-progress",
        ],
        "coordconv-rl",
        "frames",
    ),
}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", list(COMMANDS))
def test_training_command_logs_its_metrics_to_tensorboard(name, data, tmp_path):
    main, argv, project, step_key = COMMANDS[name]
    out = tmp_path / name
    assert main([*argv(data), *TB, "--out", str(out)]) == 0
    assert_tracked(out, project, step_key)


def test_rl_experiment_passes_log_with_to_every_run(tmp_path):
    root = tmp_path / "grid"
    argv = "experiment --games coordconv_rl/TargetReach-v0 --seeds 1 --frames 160 --num-envs 4"
    argv = [*argv.split(), "--eval-episodes", "1", "--no-progress"]
    assert _rl([*argv, *TB, "--out", str(root)]) == 0
    runs = sorted(p.parent for p in root.glob("*/*/seed*/metrics.jsonl"))
    assert len(runs) == 2  # conv and coordconv
    for run in runs:
        assert_tracked(run, "coordconv-rl", "frames")


@pytest.mark.parametrize("name", list(COMMANDS))
def test_unknown_tracker_exits_2_and_writes_nothing(name, data, tmp_path, capsys):
    main, argv, _, _ = COMMANDS[name]
    out = tmp_path / name
    assert main([*argv(data), "--log-with", "nosuchtracker", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "unknown tracker 'nosuchtracker'" in err[0]
    assert not out.exists()
