"""Initialisation of the S7 GANs (``coordconv_generative.init``): scales and what they do."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from coordconv_generative.init import (
    coordconv_generator_init,
    dcgan_init,
    init_gan,
    init_output_bias,
    last_layer,
)
from coordconv_generative.models import build_gan


def test_dcgan_init_scales():
    torch.manual_seed(0)
    pair = build_gan("shapes", "conv", width_divisor=4)
    init_gan(pair.generator, pair.discriminator, "dcgan")
    for module in (pair.generator, pair.discriminator):
        for m in module.modules():
            if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
                assert m.weight.std().item() == pytest.approx(0.02, rel=0.1)
                assert not m.bias.any()
            if isinstance(m, nn.BatchNorm2d):
                assert (m.weight - 1).abs().max() < 0.1
                assert not m.bias.any()


def test_coordconv_generator_init_gives_coordinates_a_voice():
    torch.manual_seed(0)
    gen = build_gan("shapes", "coordconv-gd", width_divisor=2).generator
    coordconv_generator_init(gen)
    w = gen.first.conv.weight.flatten(1)  # (256, 258)
    assert w[:, :256].std().item() == pytest.approx((2 / 256) ** 0.5, rel=0.05)
    assert w[:, 256:].std().item() == pytest.approx(1.0, rel=0.15)
    assert last_layer(gen).weight.std().item() == pytest.approx(0.02, rel=0.2)
    hidden = gen.body[1].weight  # the second layer: He-normal, fan-in 256
    assert hidden.std().item() == pytest.approx((2 / 256) ** 0.5, rel=0.05)
    # what it is for: within one image the first layer varies over the canvas about as much
    # as between images, so units switch on and off inside the canvas (not a flat colour)
    z = torch.rand(64, 256) * 2 - 1
    with torch.no_grad():
        h = gen.first(z)  # (64, 256, 64, 64)
    within = h.std(dim=(2, 3)).mean()  # over pixels, one image and unit at a time
    between = h.mean(dim=(2, 3)).std(dim=0).mean()  # of the per-image means, over images
    assert 0.5 < (within / between).item() < 2.0
    # the official init (one fan-in for all 258 inputs) does not: the canvas is ~flat
    nn.init.kaiming_normal_(gen.first.conv.weight, nonlinearity="relu")
    with torch.no_grad():
        h = gen.first(z)
    assert (h.std(dim=(2, 3)).mean() / h.mean(dim=(2, 3)).std(dim=0).mean()).item() < 0.2


@pytest.mark.parametrize("model", ["conv", "coordconv-gd"])
def test_output_bias_makes_the_untrained_generator_draw_the_mean_colour(model):
    torch.manual_seed(0)
    pair = build_gan("shapes", model, width_divisor=8)
    init_gan(pair.generator, pair.discriminator, "dcgan")
    target = torch.tensor([0.8, 0.6, 0.8])  # about the shapes data's mean colour in [-1, 1]
    init_output_bias(pair.generator, target, "tanh")
    with torch.no_grad():
        images = pair.generator(torch.rand(32, 256) * 2 - 1)  # (32, 3, 64, 64)
    torch.testing.assert_close(images.mean(dim=(0, 2, 3)), target, atol=0.05, rtol=0)
    init_output_bias(pair.generator, torch.tensor([0.5, 0.9, 0.1]), "sigmoid")
    assert torch.sigmoid(last_layer(pair.generator).bias).tolist() == pytest.approx(
        [0.5, 0.9, 0.1], abs=1e-6
    )


def test_bad_init_names_are_refused():
    pair = build_gan("shapes", "conv", width_divisor=16)
    with pytest.raises(ValueError, match="unknown init"):
        init_gan(pair.generator, pair.discriminator, "xavier")
    with pytest.raises(ValueError, match="unknown output"):
        init_output_bias(pair.generator, torch.zeros(3), "relu")
    assert dcgan_init(nn.ReLU()) is not None  # nothing to initialise is fine
    with pytest.raises(ValueError, match="no conv or linear"):
        last_layer(nn.ReLU())
