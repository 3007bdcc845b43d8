"""The S6 region-proposal model: shapes, where CoordConv goes, zero-initialised regressor, losses."""

import pytest
import torch
from torch import nn
from torchvision.models.detection.image_list import ImageList

from coordconv_core import CoordConv2d
from coordconv_vision.detection.anchors import GridAnchorGenerator
from coordconv_vision.detection.model import Backbone, build_detector

BOXES = torch.tensor([[10.0, 12.0, 24.0, 30.0], [35.0, 5.0, 50.0, 22.0], [40.0, 40.0, 60.0, 62.0]])


def test_backbone_gives_13x13x64():
    assert Backbone()(torch.zeros(2, 1, 64, 64)).shape == (2, 64, 13, 13)


def test_coordconv_layers_sit_where_fig_s6_is_green():
    conv, coord = build_detector("conv"), build_detector("coordconv")
    assert not any(isinstance(m, CoordConv2d) for m in conv.modules())
    head = coord.rpn.head
    found = [m for m in coord.modules() if isinstance(m, CoordConv2d)]
    assert found == [coord.backbone[0], head.conv, head.bbox_pred]
    assert type(head.cls_logits) is nn.Conv2d
    extra = sum(p.numel() for p in coord.parameters()) - sum(p.numel() for p in conv.parameters())
    assert extra == 2 * (32 * 5 * 5 + 64 * 3 * 3 + 36)  # two coordinate channels per CoordConv


def test_untrained_proposals_are_anchors_and_losses_are_defined():
    torch.manual_seed(0)
    model = build_detector("coordconv").eval()
    images = torch.rand(2, 1, 64, 64)
    out = model(images, [{"boxes": BOXES}, {"boxes": BOXES[:2]}])
    anchors = GridAnchorGenerator()(
        ImageList(images, [(64, 64)] * 2), [torch.zeros(2, 64, 13, 13)]
    )[0]
    clipped = anchors.clamp(0, 64)
    for boxes, scores in zip(out["boxes"], out["scores"], strict=True):
        assert boxes.shape == (10, 4)
        assert scores.shape == (10,)
        assert torch.all(scores[:-1] >= scores[1:])  # best first
        # the zero-initialised regressor leaves every box an anchor (clipped to the image)
        assert (torch.cdist(boxes, clipped).min(dim=1).values < 1e-4).all()
    assert out["score_loss"].item() == pytest.approx(0.693, abs=0.01)  # log 2: objectness ~ 0
    assert out["positive_iou"].min() > 0
    assert out["positive_iou"].max() <= 1
    # 6 positive samples per image at most
    assert out["positive_iou"].numel() <= 12


def test_losses_backpropagate_into_every_parameter():
    model = build_detector("coordconv")
    out = model(torch.rand(2, 1, 64, 64), [{"boxes": BOXES}] * 2, propose=False)
    assert "boxes" not in out
    (out["box_loss"] + out["score_loss"]).backward()
    assert all(p.grad is not None for p in model.parameters())


def test_unknown_detector_and_bad_rank():
    with pytest.raises(ValueError, match="unknown detector"):
        build_detector("deconv")
    with pytest.raises(ValueError, match="images must be"):
        build_detector("conv")(torch.zeros(1, 64, 64))
