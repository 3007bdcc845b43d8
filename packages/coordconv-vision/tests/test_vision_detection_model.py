"""The S6 region-proposal model: shapes, where CoordConv goes, init, losses, both heads."""

import math

import pytest
import torch
from torch import nn
from torchvision.ops import box_iou

from coordconv_core import CoordConv2d
from coordconv_vision.detection.anchors import official_anchor_table, paper_anchor_table
from coordconv_vision.detection.head_official import official_smooth_l1, tf_he_normal_
from coordconv_vision.detection.model import Backbone, build_detector

BOXES = torch.tensor([[10.0, 12.0, 24.0, 30.0], [35.0, 5.0, 50.0, 22.0], [40.0, 40.0, 60.0, 62.0]])


def test_backbone_gives_13x13x64():
    assert Backbone()(torch.zeros(2, 1, 64, 64)).shape == (2, 64, 13, 13)


def test_official_head_layers_and_coordconv_where_fig_s6_is_green():
    conv, coord = build_detector("conv"), build_detector("coordconv")
    assert not any(isinstance(m, CoordConv2d) for m in conv.modules())
    head = coord.rpn.head
    found = [m for m in coord.modules() if isinstance(m, CoordConv2d)]
    assert found == [coord.backbone[0], head.hidden, head.mover]
    assert type(head.mover_hidden) is nn.Conv2d
    assert type(head.scorer) is nn.Conv2d
    # official: hidden 3x3 conv of 32, the box branch's own 3x3 conv of 32, 1x1 to 4A and 2A
    assert head.hidden.out_channels == head.mover_hidden.out_channels == 32
    assert head.mover_hidden.kernel_size == (3, 3)
    assert (head.mover.out_channels, head.scorer.out_channels) == (36, 18)
    params = [sum(p.numel() for p in m.parameters()) for m in (conv, coord)]
    # backbone 832 + 51,264; hidden 18,464; box branch 9,248 + 1,188; scorer 594
    assert params[0] == 832 + 51_264 + 18_464 + 9_248 + 1_188 + 594
    assert params[1] - params[0] == 2 * (32 * 5 * 5 + 32 * 3 * 3 + 36)


def test_ours_head_is_one_flag_away():
    conv, coord = build_detector("conv", head="ours"), build_detector("coordconv", head="ours")
    head = coord.rpn.head
    found = [m for m in coord.modules() if isinstance(m, CoordConv2d)]
    assert found == [coord.backbone[0], head.conv, head.bbox_pred]
    assert head.conv.out_channels == 64
    assert sum(p.numel() for p in conv.parameters()) == 91_949
    assert sum(p.numel() for p in coord.parameters()) == 94_773


def test_tf_he_normal_is_truncated_with_variance_2_over_fan_in():
    torch.manual_seed(0)
    weight = tf_he_normal_(torch.empty(256, 64, 3, 3))
    std = math.sqrt(2 / (64 * 9))
    assert weight.std().item() == pytest.approx(std, rel=0.01)
    assert weight.abs().max().item() <= 2 * std / 0.87962566103423978


def test_official_smooth_l1_is_abs_above_1_and_square_below():
    x = torch.tensor([[0.5, -0.5, 2.0, -3.0], [1.0, 0.0, 0.0, 0.0]])
    assert official_smooth_l1(x).tolist() == [0.25 + 0.25 + 2.0 + 3.0, 1.0]


@pytest.mark.parametrize("layout", ["paper", "official"])
def test_untrained_official_proposals_are_anchors(layout):
    torch.manual_seed(0)
    model = build_detector("coordconv", anchor_layout=layout).eval()
    table = {"paper": paper_anchor_table, "official": official_anchor_table}[layout]()
    out = model(torch.rand(2, 1, 64, 64), [{"boxes": BOXES}, {"boxes": BOXES[:2]}])
    for boxes, scores in zip(out["boxes"], out["scores"], strict=True):
        assert boxes.shape[1] == 4
        assert 1 <= len(boxes) <= 10
        assert torch.all(scores[:-1] >= scores[1:])  # best first
        assert ((scores > 0) & (scores < 1)).all()  # object probabilities
        # the zero-initialised box mover leaves every box an anchor (unclipped)
        assert (torch.cdist(boxes, table).min(dim=1).values < 1e-4).all()
        # NMS at 0.8: no two kept boxes overlap more
        iou = box_iou(boxes, boxes).fill_diagonal_(0)
        assert iou.max() <= 0.8
    assert out["box_loss"] > 0
    assert out["score_loss"] > 0
    assert out["train_iou"].shape == (2,)
    assert out["positive_iou"].numel() <= 12  # 6 positive pairs per image at most
    assert ((out["positive_iou"] > 0) & (out["positive_iou"] <= 1)).all()


def test_official_box_loss_and_train_iou_by_hand():
    """A 6x6 ground truth: no anchor reaches IOU 0.5, so the only positive is the closest box
    (the untrained boxes are the anchors); its loss is the official smooth L1 of the deltas
    from that anchor to the ground truth, computed here by hand."""
    torch.manual_seed(0)
    model = build_detector("conv").eval()
    gt = torch.tensor([[30.0, 21.0, 36.0, 27.0]])
    out = model(torch.zeros(1, 1, 64, 64), [{"boxes": gt}], propose=False)
    iou = box_iou(paper_anchor_table(), gt)[:, 0]
    assert iou.max() < 0.5
    ax1, ay1, ax2, ay2 = paper_anchor_table()[iou.argmax()].tolist()
    aw, ah = ax2 - ax1, ay2 - ay1
    deltas = [
        (33.0 - (ax1 + ax2) / 2) / aw,
        (24.0 - (ay1 + ay2) / 2) / ah,
        math.log(6 / aw),
        math.log(6 / ah),
    ]
    expected = sum(abs(d) if abs(d) > 1 else d * d for d in deltas)
    assert out["box_loss"].item() == pytest.approx(expected, rel=1e-5)
    assert out["positive_iou"].tolist() == pytest.approx([iou.max().item()])
    assert out["train_iou"].tolist() == pytest.approx([iou.max().item()])


def test_losses_backpropagate_into_every_parameter():
    for head in ("official", "ours"):
        model = build_detector("coordconv", head=head)
        out = model(torch.rand(2, 1, 64, 64), [{"boxes": BOXES}] * 2, propose=False)
        assert "boxes" not in out
        (out["box_loss"] + out["score_loss"]).backward()
        assert all(p.grad is not None for p in model.parameters())


def test_unknown_detector_head_layout_and_bad_rank():
    with pytest.raises(ValueError, match="unknown detector"):
        build_detector("deconv")
    with pytest.raises(ValueError, match="unknown head"):
        build_detector("conv", head="faster")
    with pytest.raises(ValueError, match="needs --head official"):
        build_detector("conv", head="ours", anchor_layout="official")
    with pytest.raises(ValueError, match="images must be"):
        build_detector("conv")(torch.zeros(1, 64, 64))
