"""``coordconv-vision imagenet`` on a small generated ImageFolder: learning, resume, bad input."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from coordconv_vision.cli import main

COLOURS = ((220, 40, 40), (40, 200, 40), (40, 40, 220))


def make_blob_folder(root: Path, per_class: tuple[int, int] = (16, 8), size: int = 32) -> Path:
    """ImageNet layout: 3 classes of coloured discs at random places on dark noise."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:size, :size]
    for split, n in zip(("train", "val"), per_class, strict=True):
        for c, colour in enumerate(COLOURS):
            folder = root / split / f"class{c}"
            folder.mkdir(parents=True)
            for i in range(n):
                img = rng.integers(0, 60, (size, size, 3)).astype(np.uint8)
                r = int(rng.integers(5, 10))
                cy, cx = rng.integers(r, size - r, 2)
                img[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = colour
                Image.fromarray(img).save(folder / f"{i}.png")
    return root


@pytest.fixture(scope="module")
def blobs(tmp_path_factory) -> Path:
    return make_blob_folder(tmp_path_factory.mktemp("blobs"))


def run(out: Path, data: Path, *extra: str) -> int:
    args = ["imagenet", "--data", str(data), "--out", str(out), "--device", "cpu"]
    args += ["--image-size", "32", "--workers", "0", "--log-every", "1", *extra]
    return main(args)


def test_short_training_beats_chance(blobs, tmp_path):
    out = tmp_path / "learn"
    # 48 images, batch 8: 6 steps an epoch; lr = 0.32 * 8 / 256 = 0.01
    assert (
        run(
            out,
            blobs,
            "--model",
            "resnet18",
            "--batch-size",
            "8",
            "--base-lr",
            "0.32",
            "--epochs",
            "6",
        )
        == 0
    )
    results = json.loads((out / "results.json").read_text())
    assert results["steps"] == 36
    assert results["top1"] >= 0.7  # chance is 1/3 (24 validation images)
    assert results["top5"] == 1.0  # only 3 classes
    val = [
        r
        for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines())
        if "val/top1" in r
    ]
    assert [r["step"] for r in val] == [6, 12, 18, 24, 30, 36]
    for name in ("config.json", "checkpoint.safetensors", "model.safetensors"):
        assert (out / name).is_file()


def test_resume_continues_from_the_same_step(blobs, tmp_path):
    common = (
        "--model",
        "resnet18",
        "--batch-size",
        "8",
        "--epochs",
        "2",
        "--checkpoint-every",
        "2",
        "--base-lr",
        "0.32",
    )
    assert run(tmp_path / "straight", blobs, *common, "--max-steps", "9") == 0
    assert run(tmp_path / "split", blobs, *common, "--max-steps", "4") == 0
    assert run(tmp_path / "split", blobs, *common, "--max-steps", "9", "--resume") == 0
    logged = [
        json.loads(line) for line in (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()
    ]
    assert [r["step"] for r in logged if "train/loss" in r] == list(range(1, 10))
    straight = load_file(str(tmp_path / "straight" / "model.safetensors"))
    split = load_file(str(tmp_path / "split" / "model.safetensors"))
    for key, value in straight.items():
        torch.testing.assert_close(split[key], value, msg=key)


def test_coordconv_resnet50_smoke(blobs, tmp_path):
    out = tmp_path / "cc50"
    assert (
        run(out, blobs, "--model", "coordconv-resnet50", "--batch-size", "4", "--max-steps", "2")
        == 0
    )
    results = json.loads((out / "results.json").read_text())
    assert results["model"] == "coordconv-resnet50"
    assert set(results) >= {"loss", "top1", "top5", "params", "epochs", "wall_time_s"}
    assert "conv1.coords.weight" in load_file(str(out / "model.safetensors"))
    # the run directory is not overwritten by accident
    assert (
        run(out, blobs, "--model", "coordconv-resnet50", "--batch-size", "4", "--max-steps", "2")
        == 2
    )


def test_bad_input_exits_2(tmp_path, capsys):
    assert main(["imagenet", "--out", str(tmp_path / "a")]) == 2
    assert "--data is required" in capsys.readouterr().err
    (tmp_path / "only_train" / "train" / "x").mkdir(parents=True)
    assert (
        main(["imagenet", "--data", str(tmp_path / "only_train"), "--out", str(tmp_path / "b")])
        == 2
    )
    assert "val is missing" in capsys.readouterr().err
