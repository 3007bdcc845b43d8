"""``coordconv-vision detect`` really learns on generated scattered MNIST (S6, table S3).

Both models, official head, seeds 0 and 1 (fixed before any run of this test): a short run on
canvases from coordconv-data's generator must (against the same model untrained, logged at step
0 of the same run) halve the test loss, lower the box loss, raise the IOU of the sampled
positives and raise test IOU-select by at least 0.05. The budget was sized on seeds 10 and 11.
"""

import json

import pytest

from coordconv_data import scattered_mnist
from coordconv_vision.cli import main
from coordconv_vision.detection.evaluate import METRIC_KEYS

N_TRAIN, N_TEST, EPOCHS, BATCH = 640, 100, 3, 16


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    det = scattered_mnist.generate(
        scattered_mnist.load_digits(), n_train=N_TRAIN, n_test=N_TEST, seed=0
    )
    return scattered_mnist.save(det, tmp_path_factory.mktemp("smnist") / "scattered_mnist.npz")


def _detect(data_file, out, *extra: str) -> int:
    args = ["detect", "--data", str(data_file), "--out", str(out), "--device", "cpu"]
    return main([*args, *extra])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("model", ["conv", "coordconv"])
def test_detector_learns(data_file, tmp_path, model, seed):
    out = tmp_path / model
    flags = ["--model", model, "--seed", str(seed), "--epochs", str(EPOCHS)]
    flags += ["--batch-size", str(BATCH), "--log-every", "10", "--figure-images", "4"]
    assert _detect(data_file, out, *flags) == 0
    results = json.loads((out / "results.json").read_text())
    assert set(METRIC_KEYS) | {"model", "params", "epochs", "cpu_time_s"} <= set(results)
    logged = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    untrained = next(r for r in logged if r["step"] == 0)
    assert results["total_loss"] < 0.5 * untrained["test/total_loss"]
    assert results["box_loss"] < untrained["test/box_loss"]
    assert results["train_iou"] > untrained["test/train_iou"]
    assert results["test_iou_select"] > untrained["test/test_iou_select"] + 0.05
    assert results["epochs"] == EPOCHS
    assert (out / "detections.png").stat().st_size > 1000


def test_detect_resume_and_refusal(data_file, tmp_path):
    out = tmp_path / "resume"
    flags = ["--model", "conv", "--train-limit", "128", "--test-limit", "20"]
    flags += ["--batch-size", "32", "--log-every", "1"]
    assert _detect(data_file, out, *flags, "--epochs", "1") == 0
    assert _detect(data_file, out, *flags, "--epochs", "1") == 2  # refuses to overwrite
    assert _detect(data_file, out, *flags, "--epochs", "2", "--resume") == 2  # config must match
    assert _detect(data_file, out, *flags, "--epochs", "1", "--resume") == 0  # nothing left to do
    steps = [
        r["step"]
        for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines())
        if "train/box_loss" in r
    ]
    assert steps == [1, 2, 3, 4]


def test_detect_refuses_bad_heads_before_writing(data_file, tmp_path, capsys):
    out = tmp_path / "bad"
    flags = ["--head", "ours", "--anchor-layout", "official"]
    assert _detect(data_file, out, *flags) == 2
    assert "needs --head official" in capsys.readouterr().err
    assert _detect(data_file, out, "--hidden-channels", "0") == 2
    assert not out.exists()
