"""Differentiable translation of every image the GAN discriminator sees (DiffAugment).

Zhao et al., "Differentiable augmentation for data-efficient GAN training", NeurIPS 2020
(arXiv:2006.10738): the same random augmentation is applied to real and generated images
before the discriminator, in its update and in the generator's, and is differentiable, so
the generator still learns the un-augmented images while the discriminator cannot memorise a
small training set. Not in Liu et al. (2018), S7.1; ``coordconv-generative gan --augment``
(README, "GAN recipe", has the runs that need it).

Only DiffAugment's *translation* is used: colour and cutout augmentations would change the
colours and the shapes of the objects whose layout this experiment is about. Each image moves
by an integer shift of up to ``fraction`` of its side in x and in y, and the uncovered border is
filled with ``fill`` (the white background of the colored-shapes images, 1 in [-1, 1]).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def translate(
    images: torch.Tensor,
    fraction: float = 0.125,
    fill: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``images (N, C, H, W)`` each shifted by its own random ``(dx, dy)`` with
    ``|dx| <= fraction * W``, ``|dy| <= fraction * H`` (integers, uniform); gradients flow
    to every pixel that stays in view."""
    n, _, h, w = images.shape
    sy, sx = int(h * fraction), int(w * fraction)
    if sx == 0 and sy == 0:
        return images
    padded = F.pad(images, (sx, sx, sy, sy), value=fill)  # (N, C, H + 2 sy, W + 2 sx)
    device = images.device
    # top-left corner of each image's window in the padded canvas: 0 .. 2 s (shift s - offset)
    oy = torch.randint(0, 2 * sy + 1, (n, 1), generator=generator).to(device)
    ox = torch.randint(0, 2 * sx + 1, (n, 1), generator=generator).to(device)
    rows = oy + torch.arange(h, device=device)  # (N, H)
    cols = ox + torch.arange(w, device=device)  # (N, W)
    batch = torch.arange(n, device=device)[:, None, None]
    # advanced indexing on dims 0, 2, 3 -> (N, H, W, C); back to (N, C, H, W)
    return padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
