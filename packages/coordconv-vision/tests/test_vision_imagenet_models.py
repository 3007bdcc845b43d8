"""CoordConv ResNet-50 (S5): the fused stem is the paper's two layers, exactly; model building."""

import pytest
import torch
import torchvision
from safetensors.torch import save_file

from coordconv_core import CoordConv2d
from coordconv_train import UserError
from coordconv_vision.imagenet.models import build_classifier, coordconv_resnet50, count_parameters
from coordconv_vision.imagenet.schedule import lr_factor
from coordconv_vision.imagenet.stem import CoordConvStem


@pytest.mark.parametrize("shape", [(2, 3, 16, 16), (3, 3, 13, 22)])
def test_fused_stem_equals_coordconv_then_conv_with_gradients(shape):
    torch.manual_seed(0)
    stem = CoordConvStem().double()
    x = torch.randn(shape, dtype=torch.float64)
    fused = stem(x)
    reference = stem.reference_forward(x)
    assert (
        fused.shape == reference.shape == (shape[0], 64, (shape[2] + 1) // 2, (shape[3] + 1) // 2)
    )
    torch.testing.assert_close(fused, reference)
    weights = torch.randn_like(fused)
    grads = torch.autograd.grad((fused * weights).sum(), list(stem.parameters()))
    ref_grads = torch.autograd.grad((reference * weights).sum(), list(stem.parameters()))
    for g, r in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(g, r)


def test_stem_rejects_wrong_channels():
    with pytest.raises(ValueError, match="expects"):
        CoordConvStem()(torch.zeros(1, 1, 8, 8))


def test_coordconv_resnet50_layout_and_parameter_count():
    model = coordconv_resnet50(num_classes=10)
    base = torchvision.models.resnet50(num_classes=10)
    assert isinstance(model.conv1.coords, CoordConv2d)
    assert model.conv1.coords.weight.shape == (8, 6, 1, 1)  # RGB + i, j, r -> 8
    assert model.conv1.conv.weight.shape == (64, 8, 7, 7)
    # + the 1x1 CoordConv (6*8 + 8 bias) + 5 more input channels of the 7x7 conv
    assert count_parameters(model) == count_parameters(base) + 56 + 64 * 5 * 49
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_convert_keeps_the_loaded_model_function(tmp_path):
    torch.manual_seed(0)
    source = torchvision.models.resnet18(num_classes=4).eval()
    path = tmp_path / "r18.safetensors"
    save_file({k: v.contiguous() for k, v in source.state_dict().items()}, str(path))
    model = build_classifier("resnet18", num_classes=4, weights=path, convert="first").eval()
    assert isinstance(model.conv1, CoordConv2d)
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(model(x), source(x))


def test_build_classifier_errors(tmp_path):
    with pytest.raises(UserError, match="unknown model"):
        build_classifier("resnet51", num_classes=3)
    with pytest.raises(UserError, match="already"):
        build_classifier("coordconv-resnet50", num_classes=3, convert="first")
    with pytest.raises(UserError, match="does not exist"):
        build_classifier("resnet18", num_classes=3, weights=tmp_path / "none.safetensors")
    path = tmp_path / "wrong.safetensors"
    save_file(
        {
            k: v.contiguous()
            for k, v in torchvision.models.resnet18(num_classes=5).state_dict().items()
        },
        str(path),
    )
    with pytest.raises(UserError, match="do not fit"):
        build_classifier("resnet18", num_classes=3, weights=path)


def test_lr_schedules():
    assert lr_factor(0, total_epochs=90) == 1.0
    assert lr_factor(29.9, total_epochs=90) == 1.0
    assert lr_factor(30, total_epochs=90) == pytest.approx(0.1)
    assert lr_factor(85, total_epochs=90) == pytest.approx(1e-3)
    assert lr_factor(3.0, total_epochs=9) == pytest.approx(0.1)  # milestones scale with epochs
    assert lr_factor(45, total_epochs=90, schedule="cosine") == pytest.approx(0.5)
    assert lr_factor(1, total_epochs=90, warmup_epochs=5) == pytest.approx(0.2)
