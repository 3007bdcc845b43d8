"""The discriminator's translation augmentation (DiffAugment) and R1 penalty: exact values."""

from __future__ import annotations

import torch

from coordconv_generative.gan.augment import translate
from coordconv_generative.gan.recipe import r1_penalty


def _shift_of(image: torch.Tensor, moved: torch.Tensor) -> tuple[int, int]:
    """(dx, dy) that carries the single marked pixel of ``image`` to its place in ``moved``."""
    (y0, x0), (y1, x1) = (torch.nonzero(t[0] == 5.0)[0].tolist() for t in (image, moved))
    return x1 - x0, y1 - y0


def test_each_image_moves_by_its_own_shift_within_an_eighth_and_the_border_is_white():
    images = -torch.ones(200, 3, 16, 16)  # "black" canvas, one marked pixel in the middle
    images[:, :, 8, 8] = 5.0
    moved = translate(images, fraction=0.25, generator=torch.Generator().manual_seed(0))
    assert moved.shape == images.shape
    shifts = [_shift_of(a, b) for a, b in zip(images, moved, strict=True)]
    assert {dx for dx, _ in shifts} == set(range(-4, 5))  # every shift up to 16 / 4 occurs
    assert {dy for _, dy in shifts} == set(range(-4, 5))
    for image, (dx, dy) in zip(moved, shifts, strict=True):
        expected = torch.ones(3, 16, 16)  # white where nothing of the image is in view
        ys, xs = slice(max(dy, 0), 16 + min(dy, 0)), slice(max(dx, 0), 16 + min(dx, 0))
        expected[:, ys, xs] = -1.0
        expected[:, 8 + dy, 8 + dx] = 5.0
        assert torch.equal(image, expected)


def test_gradients_reach_exactly_the_pixels_that_stay_in_view():
    images = torch.zeros(8, 3, 32, 32, requires_grad=True)
    translate(images, generator=torch.Generator().manual_seed(1)).sum().backward()
    for grad in images.grad:
        rows = grad[0].any(dim=1).sum().item()  # rows / columns still in view
        cols = grad[0].any(dim=0).sum().item()
        assert grad.sum().item() == 3 * rows * cols
        assert rows >= 32 - 4
        assert cols >= 32 - 4
        assert set(grad.unique().tolist()) <= {0.0, 1.0}


def test_no_shift_below_one_pixel():
    images = torch.rand(2, 3, 4, 4)
    assert translate(images) is images  # 1/8 of 4 px rounds down to no shift


def test_r1_penalty_of_a_linear_discriminator_is_half_gamma_times_its_squared_weight_norm():
    """D(x) = w . x + b has input gradient w for every image: R1 = gamma / 2 * ||w||^2, and
    the penalty's own gradient (the discriminator minimises it) is gamma * w."""
    w = torch.randn(3 * 4 * 4, requires_grad=True)
    x = torch.randn(5, 3, 4, 4, requires_grad=True)
    logits = (x.flatten(1) @ w + 0.5)[:, None]  # (5, 1)
    penalty = r1_penalty(logits, x, gamma=3.0)
    assert torch.allclose(penalty, 1.5 * w.pow(2).sum())
    (grad_w,) = torch.autograd.grad(penalty, w)
    assert torch.allclose(grad_w, 3.0 * w)


def test_the_pre_tanh_view_of_a_generator_is_what_its_tanh_receives():
    """``--d-input pre-tanh`` (the official CoordConv GAN's wiring): D judges the output
    layer's pre-activation, whose tanh is exactly the generator's image; gradients reach the
    generator through it."""
    from coordconv_generative.gan.recipe import pre_tanh_generator
    from coordconv_generative.models import build_gan
    from coordconv_train import make_accelerator

    pair = build_gan("shapes", "coordconv-gd", width_divisor=16)
    z = torch.rand(3, pair.z_dim) * 2 - 1
    pre = pre_tanh_generator(pair.generator, make_accelerator("cpu", amp=False))(z)
    assert pre.shape == (3, 3, 64, 64)
    assert torch.allclose(torch.tanh(pre), pair.generator(z))
    pre.sum().backward()
    assert pair.generator.first.conv.weight.grad is not None
