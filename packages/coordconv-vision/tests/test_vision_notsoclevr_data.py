"""Not-so-Clevr task tensors and the task metrics: exact small cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from coordconv_vision.notsoclevr.data import (
    carve_validation,
    coords_to_model,
    iou,
    load_task_data,
    loss_fn,
    metric_sums,
    model_to_pixels,
)


def test_classification_targets_are_the_centre_pixel_index() -> None:
    d = load_task_data("classification", "quadrant")
    assert d.inputs.shape == (3136, 2)
    assert d.targets.shape == (3136,)
    x, y = d.coords[:, 0], d.coords[:, 1]
    assert torch.equal(d.targets, y * 64 + x)
    assert d.inputs.min() >= -1
    assert d.inputs.max() <= 1
    assert (len(d.train), len(d.val), len(d.test)) == (2407, 0, 729)
    assert bool((d.coords[d.test] > 32).all())


def test_regression_and_rendering_tensors() -> None:
    reg = load_task_data("regression", "uniform", val_fraction=0.1)
    assert reg.inputs.shape == (3136, 1, 64, 64)
    i = 100
    x, y = reg.coords[i].tolist()
    assert reg.inputs[i, 0, y, x] == 1
    assert reg.inputs[i].sum() == 1
    torch.testing.assert_close(model_to_pixels(reg.targets[i], raw=False), reg.coords[i].float())
    ren = load_task_data("rendering", "uniform", raw_coords=True)
    assert torch.equal(ren.inputs[i], ren.coords[i].float())
    assert ren.targets[i].sum() == 81
    assert ren.targets[i, y - 4 : y + 5, x - 4 : x + 5].sum() == 81


def test_validation_is_carved_out_of_train_only() -> None:
    d = load_task_data("classification", "uniform", val_fraction=0.1)
    parts = [set(t.tolist()) for t in (d.train, d.val, d.test)]
    assert sum(map(len, parts)) == 3136
    assert len(set.union(*parts)) == 3136
    assert len(parts[1]) == round(0.1 * 2509)
    train, val = carve_validation(np.arange(10), 0.3)
    assert len(val) == 3
    assert not set(train) & set(val)
    with pytest.raises(ValueError, match="validation fraction"):
        carve_validation(np.arange(10), 1.0)


def test_coordinate_scaling_round_trips() -> None:
    pixels = np.array([[0, 63], [4, 59]])
    scaled = coords_to_model(pixels, raw=False)
    assert scaled[0].tolist() == [-1.0, 1.0]
    torch.testing.assert_close(
        model_to_pixels(torch.from_numpy(scaled), raw=False), torch.tensor(pixels).float()
    )


def test_iou_exact_small_case() -> None:
    targets = torch.zeros(2, 4, 4)
    targets[:, :2, :2] = 1  # 4 pixels
    logits = torch.full((2, 4, 4), -5.0)
    logits[0, :2, :2] = 5  # exact
    logits[1, :2, :3] = 5  # 6 painted, 4 shared -> 4 / 6
    torch.testing.assert_close(iou(logits, targets), torch.tensor([1.0, 4 / 6]))


def test_regression_metrics_in_pixels() -> None:
    coords = torch.tensor([[10, 20], [30, 40]])
    exact = torch.from_numpy(coords_to_model(coords.numpy(), raw=False))
    off = model_to_pixels(exact, raw=False) + torch.tensor([[0.4, 0.0], [3.0, 4.0]])
    sums = metric_sums("regression", off, exact, coords, raw_coords=True)
    assert sums["accuracy"] == 1  # 0.4 px rounds to the centre, (3, 4) does not
    assert sums["pixel_error"] == pytest.approx(0.4 + 5.0)


def test_classification_loss_and_accuracy() -> None:
    logits = torch.zeros(2, 64, 64)
    logits[0, 5, 7] = 10.0
    targets = torch.tensor([5 * 64 + 7, 1])
    sums = metric_sums("classification", logits, targets, torch.zeros(2, 2))
    assert sums["accuracy"] == 1  # the second row is all ties: argmax 0, target 1
    assert loss_fn("classification", logits, targets).item() > 0
