"""What our GAN recipe adds to the paper's (S7.1 states none of it; README, "GAN recipe").

- :func:`r1_penalty`: the R1 gradient penalty on real images (``--r1``), which keeps the
  discriminator from winning outright;
- :func:`generator_average`: the exponential moving average of the generator that draws the
  samples, snapshots and saved weights (``--ema``; Yazici et al., ICLR 2019);
- :func:`pre_tanh_generator`: the generator's images before their tanh, which the
  discriminator judges for the CoordConv generator (``--d-input``), as the official
  ``CoordConvGAN`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from coordconv_train import UserError


def generator_average(generator: nn.Module, decay: float) -> AveragedModel | None:
    """The exponential moving average of ``generator``'s parameters and buffers (BatchNorm
    running statistics) with ``decay`` per iteration, or None for ``decay`` 0. Its first
    ``update_parameters`` copies the generator; ``.module`` is a generator of the same class."""
    if decay == 0:
        return None
    return AveragedModel(generator, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


def r1_penalty(logits: torch.Tensor, inputs: torch.Tensor, gamma: float) -> torch.Tensor:
    """R1 (Mescheder et al., "Which training methods for GANs do actually converge?", ICML
    2018, arXiv:1801.04406): ``gamma / 2 * mean_i ||d logits_i / d inputs_i||^2`` over the
    batch, differentiable (the discriminator's update minimises it). ``inputs (N, C, H, W)``
    must require grad and ``logits (N, 1)`` be computed from them."""
    (grad,) = torch.autograd.grad(logits.float().sum(), inputs, create_graph=True)
    return gamma / 2 * grad.float().pow(2).flatten(1).sum(1).mean()


def pre_tanh_generator(gen: nn.Module, accelerator: Any) -> Callable[[torch.Tensor], torch.Tensor]:
    """``z -> `` the pre-activation of ``gen``'s output layer ``(N, 3, H, W)`` (what its final
    tanh receives), computed by ``gen`` itself, so that every wrapper (DDP, autocast) applies."""
    output = accelerator.unwrap_model(gen).body[-1]
    if not isinstance(output, nn.Tanh):
        raise UserError("--d-input pre-tanh needs a generator with a tanh output")
    latest: list[torch.Tensor] = []  # the last pre-activation only

    def keep(_module: nn.Module, inputs: tuple[torch.Tensor, ...], _out: torch.Tensor) -> None:
        latest[:] = [inputs[0]]

    output.register_forward_hook(keep)

    def forward(z: torch.Tensor) -> torch.Tensor:
        gen(z)
        return latest.pop()

    return forward
