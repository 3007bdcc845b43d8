"""The IOU metrics of table S3, as the official code computes them, on hand-computed boxes."""

import pytest
import torch

from coordconv_vision.detection.metrics import (
    best_match_iou,
    iou_average,
    iou_best_scored,
    iou_select,
    paired_iou,
)

GT = torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 40.0]])


def test_paired_iou_hand_cases():
    boxes = torch.tensor(
        [
            [0.0, 0.0, 10.0, 10.0],
            [5.0, 0.0, 15.0, 10.0],
            [10.0, 10.0, 20.0, 20.0],
            [0.0, 0.0, 0.0, 5.0],
        ]
    )
    targets = torch.tensor(
        [
            [0.0, 0.0, 10.0, 10.0],
            [0.0, 0.0, 10.0, 10.0],
            [0.0, 0.0, 10.0, 10.0],
            [0.0, 0.0, 0.0, 5.0],
        ]
    )
    # identical; half overlap 50 / 150; touching corners; two empty boxes -> 0, not NaN
    assert paired_iou(boxes, targets).tolist() == pytest.approx([1.0, 1 / 3, 0.0, 0.0])


def test_paired_iou_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="two"):
        paired_iou(torch.zeros(2, 4), torch.zeros(3, 4))


def test_best_match_iou_and_the_official_average_and_select():
    boxes = torch.tensor(
        [[0.0, 0.0, 10.0, 5.0], [20.0, 20.0, 30.0, 30.0], [50.0, 50.0, 60.0, 60.0]]
    )
    # 50/100 with GT 0; 100/200 with GT 1; nothing
    assert best_match_iou(boxes, GT).tolist() == pytest.approx([0.5, 0.5, 0.0])
    # official IOU-select: reduce_mean(reduce_max(iou_matrix, axis=-1)) = mean best match
    assert iou_select(boxes, GT) == pytest.approx(1 / 3)
    # official IOU-average: reduce_mean(iou_matrix) over all 3 x 2 pairs = (0.5 + 0.5) / 6
    assert iou_average(boxes, GT) == pytest.approx(1 / 6)
    assert iou_select(torch.zeros(0, 4), GT) == 0.0
    assert iou_average(torch.zeros(0, 4), GT) == 0.0


def test_iou_best_scored_takes_the_best_scored_box():
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [22.0, 20.0, 30.0, 40.0]])
    assert iou_best_scored(boxes, torch.tensor([0.9, 0.1]), GT) == pytest.approx(1.0)
    assert iou_best_scored(boxes, torch.tensor([0.2, 0.7]), GT) == pytest.approx(0.8)
    assert iou_best_scored(torch.zeros(0, 4), torch.zeros(0), GT) == 0.0
