"""Two CPU processes (gloo) through torchrun and the same ``coordconv-vision imagenet`` entry point."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _folder(root: Path) -> Path:
    rng = np.random.default_rng(1)
    for split, n in (("train", 8), ("val", 3)):
        for c in range(2):
            folder = root / split / f"c{c}"
            folder.mkdir(parents=True)
            for i in range(n):
                img = rng.integers(0, 255, (32, 32, 3)).astype(np.uint8)
                Image.fromarray(img).save(folder / f"{i}.png")
    return root


def test_torchrun_two_processes(tmp_path):
    data, out = _folder(tmp_path / "data"), tmp_path / "run"
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
        "--master-addr", "127.0.0.1", "--master-port", str(_free_port()),
        "-m", "coordconv_vision.cli", "imagenet", "--data", str(data), "--out", str(out),
        "--device", "cpu", "--model", "coordconv-resnet50", "--image-size", "32", "--workers", "0",
        "--batch-size", "2", "--max-steps", "3", "--log-every", "1", "--checkpoint-every", "2",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert results["processes"] == 2
    assert results["global_batch"] == 4
    assert results["steps"] == 3  # 16 images / global batch 4 = 4 steps an epoch, stopped at 3
    logged = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logged if "train/loss" in r] == [1, 2, 3]  # main process logs once
    assert (out / "checkpoint.safetensors").is_file()


def test_bad_input_exit_status_2_in_a_subprocess(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "coordconv_vision.cli",
        "detect",
        "--data",
        str(tmp_path / "no.npz"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("coordconv-vision: error:")


def test_sigterm_leaves_a_resumable_checkpoint(tmp_path):
    import signal
    import time

    from coordconv_train import load_checkpoint
    from coordconv_vision.cli import main

    data, out = _folder(tmp_path / "data"), tmp_path / "run"
    args = [
        "imagenet",
        "--data",
        str(data),
        "--out",
        str(out),
        "--device",
        "cpu",
        "--model",
        "resnet18",
    ]
    args += [
        "--image-size",
        "32",
        "--workers",
        "0",
        "--batch-size",
        "4",
        "--epochs",
        "500",
        "--log-every",
        "1",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "coordconv_vision.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    metrics = out / "metrics.jsonl"
    deadline = time.monotonic() + 120
    while not (metrics.exists() and metrics.read_text().count("train/loss") >= 2):
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr[-2000:]
    assert "stopped by SIGTERM" in stdout
    step = load_checkpoint(out / "checkpoint.safetensors")["step"]
    assert step >= 2
    assert main([*args, "--resume", "--max-steps", str(step + 1)]) == 0
    logged = [json.loads(line) for line in metrics.read_text().splitlines()]
    assert [r["step"] for r in logged if "train/loss" in r] == list(range(1, step + 2))
