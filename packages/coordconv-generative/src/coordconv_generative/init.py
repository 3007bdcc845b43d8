"""Weight initialisation of the S7 generators and discriminators.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), S7 does not state an initialisation. What we use,
and where it comes from:

- :func:`dcgan_init` (Radford et al., "Unsupervised representation learning with deep
  convolutional generative adversarial networks", ICLR 2016, arXiv:1511.06434, S4: "All weights
  were initialized from a zero-centered Normal distribution with standard deviation 0.02"):
  conv, transposed-conv and linear weights ~ N(0, 0.02), BatchNorm scale ~ N(1, 0.02), biases 0.
  For the deconvolutional generator and every discriminator / encoder (their BatchNorm keeps
  the activations' scale whatever the weights' scale).
- :func:`he_init` (He et al., "Delving deep into rectifiers", ICCV 2015, arXiv:1502.01852):
  weights ~ N(0, 2 / fan_in), biases 0. The official code's CoordConv generator
  (``model_builders.py``, ``CoordConvGAN``) builds every conv with ``kernel_initializer=
  he_normal``. That generator has no BatchNorm: N(0, 0.02) would shrink the signal by about
  ``0.02 * sqrt(fan_in / 2)`` (0.23 for a 1x1 conv over 258 channels) at each of its 8 layers.
- :func:`coordconv_generator_init`: He-normal as the official code, with two changes that
  make an untrained CoordConv generator draw *something that varies in space* (see its
  docstring); not in the paper or the official code.
- :func:`init_output_bias`: the generator's last bias set so that an untrained generator
  already draws the data's mean colour (see its docstring).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import Dataset

from coordconv_generative.data import first_tensor
from coordconv_generative.models import CoordConvGenerator, DeconvGenerator

_WEIGHTED = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d, nn.Linear)


def dcgan_init(module: nn.Module, std: float = 0.02) -> nn.Module:
    """DCGAN: every conv / linear weight ~ N(0, std), BatchNorm scale ~ N(1, std), biases 0."""
    for m in module.modules():
        if isinstance(m, _WEIGHTED):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d) and m.affine:
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)
    return module


def he_init(module: nn.Module) -> nn.Module:
    """He-normal (fan in, ReLU gain): weights ~ N(0, 2 / fan_in), biases 0."""
    for m in module.modules():
        if isinstance(m, _WEIGHTED):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


def coordconv_generator_init(generator: nn.Module, output_std: float = 0.02) -> nn.Module:
    """He-normal init of a :class:`~coordconv_generative.models.CoordConvGenerator`, except:

    - the first layer (a 1x1 CoordConv over ``z`` tiled, plus the x, y channels) is He-normal
      *per input group*: the ``z_dim`` z weights with fan-in ``z_dim``, the 2 coordinate
      weights with fan-in 2 (std 1). With one fan-in of ``z_dim + 2`` for all (the official
      code), the coordinate term is ``sqrt(z_dim / 2)`` = 11x smaller than the z term, so
      every unit is on or off over the whole canvas and each sample is a flat colour; per
      group, the z term (which places things) and the coordinate term (which draws them in
      space) start equal.
    - the output layer ~ N(0, ``output_std``) (DCGAN's scale): a He-scaled output layer
      drives the tanh into saturation, and the generator starts from saturated colour fields.
    """
    he_init(generator)
    first = generator.first.conv  # the CoordConv layer, weight (out, z_dim + 2, 1, 1)
    z_dim = generator.z_dim
    with torch.no_grad():
        nn.init.normal_(first.weight[:, :z_dim], 0.0, (2.0 / z_dim) ** 0.5)
        nn.init.normal_(first.weight[:, z_dim:], 0.0, 1.0)  # He with fan-in 2: std sqrt(2/2)
        nn.init.normal_(last_layer(generator).weight, 0.0, output_std)
    return generator


def init_gan(generator: nn.Module, discriminator: nn.Module, scheme: str = "dcgan") -> None:
    """Initialise a GAN pair: ``dcgan`` (DCGAN for the deconvolutional generator and the
    discriminator, :func:`coordconv_generator_init` for a CoordConv generator) or ``torch``
    (leave PyTorch's defaults)."""
    if scheme == "torch":
        return
    if scheme != "dcgan":
        raise ValueError(f"unknown init {scheme!r}; choose dcgan or torch")
    dcgan_init(discriminator)
    GENERATOR_INITS[type(generator)](generator)


def mean_colour(dataset: Dataset, n: int = 1024) -> torch.Tensor:
    """Per-channel mean ``(3,)`` in [0, 1] of the first ``n`` images of ``dataset``."""
    total, count = torch.zeros(3, dtype=torch.float64), 0
    for i in range(min(n, len(dataset))):  # type: ignore[arg-type]
        image = first_tensor(dataset[i])  # (3, 64, 64) uint8
        total += image.double().mean(dim=(1, 2)) / 255
        count += 1
    return (total / max(count, 1)).float()


def last_layer(module: nn.Module) -> nn.Module:
    """The last conv / transposed-conv / linear layer of ``module`` (its output layer)."""
    layers = [m for m in module.modules() if isinstance(m, _WEIGHTED)]
    if not layers:
        raise ValueError("module has no conv or linear layer")
    return layers[-1]


@torch.no_grad()
def init_output_bias(generator: nn.Module, mean_colour: torch.Tensor, output: str) -> None:
    """Set the output layer's bias so that a zero pre-activation gives ``mean_colour``.

    ``mean_colour (C,)`` is the data's mean per channel in the output's range: [-1, 1] for
    ``output="tanh"`` (bias = atanh(mean)), [0, 1] for ``"sigmoid"`` (bias = logit(mean)).
    The colored-shapes images are ~80% white, so their mean is far from the grey (0) that a
    freshly initialised generator draws; a thin generator (``--width-divisor``) with Adam
    steps of ~lr per weight needs hundreds of iterations to get there, and the discriminator
    wins long before (measured: README, "GAN recipe").
    """
    layer = last_layer(generator)
    if layer.bias is None:
        raise ValueError("the generator's output layer has no bias")
    eps = 1e-3
    if output == "tanh":
        bias = torch.atanh(mean_colour.clamp(-1 + eps, 1 - eps))
    elif output == "sigmoid":
        bias = torch.logit(mean_colour.clamp(eps, 1 - eps))
    else:
        raise ValueError(f"unknown output {output!r}; choose tanh or sigmoid")
    layer.bias.copy_(bias.to(layer.bias))


GENERATOR_INITS = {DeconvGenerator: dcgan_init, CoordConvGenerator: coordconv_generator_init}
