"""The official box sampler (S6 train mode) on hand-made IOU matrices."""

import pytest
import torch

from coordconv_vision.detection.sampler import boxes_in_bounds, official_box_sample

INSIDE = [10.0, 10.0, 30.0, 30.0]


def test_bounds_are_0_to_size_minus_1():
    boxes = torch.tensor(
        [INSIDE, [0.0, 0.0, 63.0, 63.0], [-0.1, 5, 20, 20], [5, 5, 63.5, 20], [5, 5, 20, 64]]
    )
    assert boxes_in_bounds(boxes, (64, 64)).tolist() == [True, True, False, False, False]


def test_positive_pairs_negatives_and_the_closest_rule():
    # 6 boxes x 2 ground truths; box 5 is out of bounds
    iou = torch.tensor(
        [
            [0.9, 0.0],  # high with GT 0 (and closest to it)
            [0.6, 0.55],  # high with both: two pairs
            [0.05, 0.3],  # closest to GT 1 (highest in its column besides box 1)... see below
            [0.0, 0.0],  # negative
            [0.05, 0.09],  # negative (< 0.1 with both)
            [0.7, 0.0],  # high but out of bounds: not a positive (nor closest), not negative
        ]
    )
    iou[2, 1] = 0.6  # now box 2 is the closest to GT 1 (0.6 > 0.55), and above 0.5
    boxes = torch.tensor([INSIDE] * 5 + [[-5.0, 0.0, 10.0, 10.0]])
    pos, pos_gt, neg = official_box_sample(iou, boxes, (64, 64), positives=10, negatives=1)
    pairs = sorted(zip(pos.tolist(), pos_gt.tolist(), strict=True))
    assert pairs == [(0, 0), (1, 0), (1, 1), (2, 1)]
    assert sorted(neg.tolist()) in ([3], [4])  # 2 candidates > 1 wanted: one drawn


def test_closest_box_is_positive_even_below_the_threshold_and_out_of_bounds():
    iou = torch.tensor([[0.2], [0.3], [0.0], [0.0], [0.0]])
    boxes = torch.tensor([INSIDE, [-5.0, 0.0, 10.0, 10.0], INSIDE, INSIDE, INSIDE])
    pos, pos_gt, neg = official_box_sample(iou, boxes, (64, 64), negatives=2)
    assert pos.tolist() == [1]
    assert pos_gt.tolist() == [0]
    assert len(neg) == 2  # 3 candidates (IOU < 0.1, in bounds, not closest), 2 drawn
    assert set(neg.tolist()) <= {2, 3, 4}


def test_at_most_6_positives_and_the_official_empty_negative_quirk():
    iou = torch.full((20, 1), 0.8)
    iou[0] = 0.9
    boxes = torch.tensor([INSIDE] * 20)
    pos, pos_gt, neg = official_box_sample(iou, boxes, (64, 64))
    assert len(pos) == 6
    assert len(set(pos.tolist())) == 6
    assert (pos_gt == 0).all()
    # no box is below 0.1 and every box is positive: no negative candidate at all
    assert neg.numel() == 0


def test_no_low_box_falls_back_to_non_positives_and_needs_more_than_n_size():
    iou = torch.tensor([[0.9], [0.3], [0.2], [0.25], [0.3], [0.2], [0.4], [0.3]])
    boxes = torch.tensor([INSIDE] * 8)
    _, _, neg = official_box_sample(iou, boxes, (64, 64), negatives=6)
    assert len(neg) == 6  # 7 non-positive boxes > 6: six drawn
    assert set(neg.tolist()) <= {1, 2, 3, 4, 5, 6, 7}
    _, _, none = official_box_sample(iou[:7], boxes[:7], (64, 64), negatives=6)
    assert none.numel() == 0  # exactly 6 candidates: the official draw is empty


def test_sampling_is_random_but_seeded():
    iou = torch.rand(200, 3, generator=torch.Generator().manual_seed(0)) * 0.05
    iou[:30, 0] = 0.7
    boxes = torch.tensor([INSIDE] * 200)

    def negatives(seed: int) -> tuple[int, ...]:
        generator = torch.Generator().manual_seed(seed)
        return tuple(official_box_sample(iou, boxes, (64, 64), generator=generator)[2].tolist())

    draws = {negatives(seed) for seed in range(5)}
    assert len(draws) > 1
    again = official_box_sample(iou, boxes, (64, 64), generator=torch.Generator().manual_seed(0))
    first = official_box_sample(iou, boxes, (64, 64), generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(again, first, strict=True))


def test_rejects_an_image_without_ground_truth():
    with pytest.raises(ValueError, match="G >= 1"):
        official_box_sample(torch.zeros(5, 0), torch.zeros(5, 4), (64, 64))
