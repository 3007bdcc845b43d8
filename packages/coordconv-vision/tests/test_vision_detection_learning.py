"""``coordconv-vision detect`` really learns on generated scattered MNIST (S6, table S3).

Both models train briefly on canvases from coordconv-data's generator; their losses must fall
and their test IOU-select rise well above the untrained model's (logged at step 0).
"""

import json

import pytest

from coordconv_data import scattered_mnist
from coordconv_vision.cli import main


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    det = scattered_mnist.generate(scattered_mnist.load_digits(), n_train=640, n_test=100, seed=0)
    return scattered_mnist.save(det, tmp_path_factory.mktemp("smnist") / "scattered_mnist.npz")


@pytest.mark.parametrize("model", ["conv", "coordconv"])
def test_detector_learns(data_file, tmp_path, model):
    out = tmp_path / model
    args = [
        "detect",
        "--data",
        str(data_file),
        "--model",
        model,
        "--out",
        str(out),
        "--device",
        "cpu",
    ]
    assert (
        main(
            [
                *args,
                "--epochs",
                "3",
                "--batch-size",
                "32",
                "--log-every",
                "5",
                "--figure-images",
                "4",
            ]
        )
        == 0
    )
    results = json.loads((out / "results.json").read_text())
    keys = (
        "box_loss",
        "score_loss",
        "total_loss",
        "train_iou",
        "test_iou_average",
        "test_iou_select",
    )
    assert set(keys) | {"model", "params", "epochs", "wall_time_s"} <= set(results)
    logged = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    untrained = next(r for r in logged if r["step"] == 0)
    assert results["total_loss"] < 0.5 * untrained["test/total_loss"]
    assert results["box_loss"] < untrained["test/box_loss"]
    assert results["test_iou_select"] > untrained["test/test_iou_select"] + 0.15
    assert results["test_iou_select"] > 0.5
    assert results["epochs"] == 3
    assert (out / "detections.png").stat().st_size > 1000


def test_detect_resume_and_refusal(data_file, tmp_path):
    out = tmp_path / "resume"
    args = [
        "detect",
        "--data",
        str(data_file),
        "--model",
        "conv",
        "--out",
        str(out),
        "--device",
        "cpu",
    ]
    args += ["--train-limit", "128", "--test-limit", "20", "--batch-size", "32", "--log-every", "1"]
    assert main([*args, "--epochs", "1"]) == 0
    assert main([*args, "--epochs", "1"]) == 2  # refuses to overwrite
    assert main([*args, "--epochs", "2", "--resume"]) == 2  # the config must match
    assert main([*args, "--epochs", "1", "--resume"]) == 0  # nothing left to do: same results
    steps = [
        r["step"]
        for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines())
        if "train/box_loss" in r
    ]
    assert steps == [1, 2, 3, 4]
