"""Tables S4-S6: layouts, parameter counts (docs/architecture.md, parameter counts), shapes, output activations and the fast first layer."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_generative.init import last_layer
from coordconv_generative.models import (
    CoordConvGenerator,
    DeconvGenerator,
    Discriminator,
    TiledCoordConv,
    build_gan,
    build_vae,
    count_parameters,
)


def _output_and_its_input(model: nn.Module, output_layer: nn.Module, *args):
    """``model(*args)`` and what ``output_layer`` (its last conv) produced in that call: the
    pre-activation the output activation received."""
    seen = []
    hook = output_layer.register_forward_hook(lambda _m, _i, out: seen.append(out.detach()))
    try:
        out = model(*args)
    finally:
        hook.remove()
    (pre,) = seen
    return out, pre


@pytest.mark.parametrize(
    ("model", "params_g", "params_d"),
    [
        ("conv", 6_413_315, 4_316_545),
        ("coordconv", 444_931, 4_316_545),
        ("coordconv-gd", 444_931, 4_319_745),
    ],
)
def test_shapes_gan_parameter_counts_match_the_paper(model, params_g, params_d):
    pair = build_gan("shapes", model)
    assert count_parameters(pair.generator) == params_g
    assert count_parameters(pair.discriminator) == params_d
    assert pair.z_dim == 256


def test_lsun_gan_layouts_follow_table_s6():
    conv = build_gan("lsun", "conv")
    coord = build_gan("lsun", "coordconv-gd")
    assert conv.z_dim == 100
    assert conv.generator.fc.out_features == 16384  # FC 16384 -> 4x4x1024
    convs = [m for m in coord.discriminator.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 4
    assert all(isinstance(m, CoordConv2d) for m in convs)  # CoordConv in every layer
    widths = [m.out_channels for m in coord.generator.modules() if isinstance(m, nn.Conv2d)]
    assert widths == [1024, 512, 256, 256, 128, 128, 64, 3]


def test_only_the_first_discriminator_layer_is_coordconv_for_shapes():
    convs = [m for m in build_gan("shapes", "coordconv-gd").discriminator.modules()
             if isinstance(m, nn.Conv2d)]  # fmt: skip
    assert [isinstance(m, CoordConv2d) for m in convs] == [True, False, False, False]
    assert convs[0].weight.shape == (64, 5, 5, 5)


def test_vae_layouts_follow_table_s5_with_a_sigmoid_output():
    conv, coord = build_vae("conv"), build_vae("coordconv-gd")
    assert conv.encoder.fc.out_features == 16  # mean and log-variance of an 8-d latent
    kernels = {m.kernel_size for m in coord.decoder.modules() if isinstance(m, nn.Conv2d)}
    assert kernels == {(1, 1)}  # the CoordConv decoder is all 1x1
    x = torch.rand(2, 3, 64, 64)
    for vae in (build_vae("conv", width_divisor=16), build_vae("coordconv-gd", width_divisor=16)):
        (recon, mu, logvar), pre = _output_and_its_input(vae, last_layer(vae.decoder), x)
        assert recon.shape == x.shape
        assert mu.shape == logvar.shape == (2, 8)
        assert recon.min() >= 0
        assert recon.max() <= 1
        assert torch.equal(recon, torch.sigmoid(pre))  # the decoder ends in a sigmoid


@pytest.mark.parametrize("model", ["conv", "coordconv", "coordconv-gd"])
@pytest.mark.parametrize("arch", ["shapes", "lsun"])
def test_generators_end_in_a_tanh_and_both_nets_give_the_shapes(arch, model):
    pair = build_gan(arch, model, width_divisor=16)
    z = torch.rand(3, pair.z_dim) * 2 - 1
    images, pre = _output_and_its_input(pair.generator, last_layer(pair.generator), z)
    assert images.shape == (3, 3, 64, 64)
    assert images.abs().max() <= 1
    assert torch.equal(images, torch.tanh(pre))  # the generator ends in a tanh
    assert pair.discriminator(images).shape == (3, 1)


def test_tiled_first_layer_equals_a_conv_over_tiled_z_and_hand_made_coordinates():
    torch.manual_seed(0)
    layer = TiledCoordConv(z_dim=7, out_channels=5, size=9)
    z = torch.randn(4, 7)
    tiled = z[:, :, None, None].expand(-1, -1, 9, 9)  # (4, 7, 9, 9)
    # S9's channels, written out by hand: xx varies along the width, yy along the height
    ramp = torch.linspace(-1, 1, 9)
    xx = ramp.view(1, 1, 1, 9).expand(4, 1, 9, 9)
    yy = ramp.view(1, 1, 9, 1).expand(4, 1, 9, 9)
    expected = F.conv2d(torch.cat([tiled, xx, yy], dim=1), layer.conv.weight, layer.conv.bias)
    torch.testing.assert_close(layer(z), expected)
    torch.testing.assert_close(layer.conv(tiled), expected)  # and the coordconv_core layer
    assert sum(p.numel() for p in layer.parameters()) == 5 * (7 + 2) + 5


def test_layers_are_injected_as_callables():
    made = []

    def recording_conv(*args, **kwargs):
        made.append(args[:2])
        return nn.Conv2d(*args, **kwargs)

    Discriminator(3, (4, 8), 1, image_size=16, first_layer=CoordConv2d, conv_layer=recording_conv)
    assert made == [(4, 8)]
    gen = CoordConvGenerator(4, ((8, 1), (4, 3)), size=8, conv_layer=recording_conv)
    assert gen(torch.zeros(2, 4)).shape == (2, 3, 8, 8)
    deconv = DeconvGenerator(4, (8, 4), output=nn.Sigmoid)
    assert deconv(torch.zeros(2, 4)).shape == (2, 3, 16, 16)


def test_bad_names_are_refused():
    with pytest.raises(ValueError, match="unknown model"):
        build_gan("shapes", "transformer")
    with pytest.raises(ValueError, match="unknown arch"):
        build_gan("celeba", "conv")
    with pytest.raises(ValueError, match=r"expected z of shape"):
        TiledCoordConv(3, 2, 4)(torch.zeros(1, 4))
