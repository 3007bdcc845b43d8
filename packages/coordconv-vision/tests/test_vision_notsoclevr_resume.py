"""Reliability: SIGTERM half-way + ``--resume`` ends exactly like an uninterrupted run; a
checkpoint cut short on disk is refused with a clear error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors.torch import load_file

from coordconv_vision.cli import main

# A cheap run: the CoordConv regressor on 256 training examples, 16 batches an epoch, no
# per-epoch evaluation, so epochs are short and the run lasts long enough to be interrupted
# (its sparse fast forward takes about 2 ms a batch of 16 on one core).
ARGS = ["notsoclevr", "--task", "regression", "--model", "coordconv", "--split", "quadrant",
        "--train-limit", "256", "--batch-size", "16", "--epochs", "20", "--eval-every", "1000",
        "--lr", "0.005", "--seed", "3", "--device", "cpu", "--no-figures", "--no-progress"]  # fmt: skip


def _results(out: Path) -> dict:
    results = json.loads((out / "results.json").read_text())
    results.pop("wall_time_s")
    return results


def test_sigterm_then_resume_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    stopped = tmp_path / "stopped"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "coordconv_vision.cli", *ARGS, "--out", str(stopped)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not (stopped / "checkpoint.safetensors").exists():  # the first epoch's checkpoint
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)  # the real signal path
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, output  # stopped: one exit status for every command
    assert "stopped at epoch" in output
    assert not (stopped / "results.json").exists()  # it really stopped before the end
    epochs_done = [
        json.loads(line)["epoch"] for line in (stopped / "metrics.jsonl").read_text().splitlines()
    ]
    assert 1 <= max(epochs_done) < 20

    assert main([*ARGS, "--out", str(stopped), "--resume"]) == 0
    straight = tmp_path / "straight"
    assert main([*ARGS, "--out", str(straight)]) == 0
    assert _results(stopped) == _results(straight)
    a, b = load_file(stopped / "model.safetensors"), load_file(straight / "model.safetensors")
    assert all(bool((a[k] == b[k]).all()) for k in b)
    logged = [
        json.loads(line)["epoch"] for line in (stopped / "metrics.jsonl").read_text().splitlines()
    ]
    assert logged == list(range(1, 21))  # one record per epoch, none duplicated by the resume


def test_truncated_checkpoint_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    short = [*ARGS[: ARGS.index("--epochs")], "--epochs", "1", "--no-figures", "--no-progress"]
    assert main([*short, "--out", str(out)]) == 0
    ckpt = out / "checkpoint.safetensors"
    data = ckpt.read_bytes()
    ckpt.write_bytes(data[: len(data) // 2])
    capsys.readouterr()
    assert main([*short, "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "checkpoint" in err
    assert "truncated" in err or "damaged" in err
