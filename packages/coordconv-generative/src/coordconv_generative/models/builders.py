"""Builders for the paper's generative models by name (tables S4, S5, S6; docs/architecture.md, parameter counts).

``arch``: ``shapes`` (table S4: z = 256, the colored-shapes GAN) or ``lsun`` (table S6:
z = 100, wider generators, CoordConv in every discriminator layer).
``model``: ``conv`` (deconvolutional generator, plain discriminator), ``coordconv`` (CoordConv
generator, plain discriminator), ``coordconv-gd`` (CoordConv generator and CoordConv
discriminator: first layer for ``shapes``, every layer for ``lsun``). For the VAE, ``coordconv``
puts CoordConv in the decoder and ``coordconv-gd`` in the encoder's first layer too (S12).

``width_divisor`` divides every channel width (1 = the paper's models); CI-sized runs use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from torch import nn

from coordconv_core import CoordConv2d
from coordconv_generative.models.discriminator import DISC_WIDTHS, Discriminator
from coordconv_generative.models.generators import CoordConvGenerator, DeconvGenerator
from coordconv_generative.vae.model import VAE

ARCHS = ("shapes", "lsun")
MODELS = ("conv", "coordconv", "coordconv-gd")


@dataclass(frozen=True)
class ArchSpec:
    z_dim: int
    deconv_widths: tuple[int, ...]
    coord_layers: tuple[tuple[int, int], ...]
    coordconv_disc_all_layers: bool


SPECS = {
    "shapes": ArchSpec(  # table S4
        z_dim=256,
        deconv_widths=(512, 256, 128, 64),
        coord_layers=((512, 1), (256, 1), (256, 1), (128, 1), (64, 1), (64, 3), (64, 3)),
        coordconv_disc_all_layers=False,
    ),
    "lsun": ArchSpec(  # table S6
        z_dim=100,
        deconv_widths=(1024, 512, 256, 128),
        coord_layers=((1024, 1), (512, 1), (256, 1), (256, 1), (128, 1), (128, 3), (64, 3)),
        coordconv_disc_all_layers=True,
    ),
}
VAE_COORD_LAYERS = ((512, 1), (256, 1), (256, 1), (128, 1), (64, 1))  # table S5: all 1x1


@dataclass
class GanPair:
    generator: nn.Module
    discriminator: nn.Module
    z_dim: int


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters (BatchNorm scale and shift included, buffers not)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _div(widths: Sequence[int], d: int) -> tuple[int, ...]:
    return tuple(max(1, w // d) for w in widths)


def _check(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(allowed)}")


def _discriminator(
    width_divisor: int, out: int, coordconv: bool, all_layers: bool
) -> Discriminator:
    """The discriminator (or VAE encoder) of every arch, its widths divided by ``width_divisor``."""
    first = CoordConv2d if coordconv else nn.Conv2d
    rest = CoordConv2d if coordconv and all_layers else nn.Conv2d
    widths = _div(DISC_WIDTHS, width_divisor)
    return Discriminator(3, widths, out, first_layer=first, conv_layer=rest)


def build_gan(arch: str = "shapes", model: str = "conv", width_divisor: int = 1) -> GanPair:
    """The generator and discriminator of table S4 (``shapes``) or S6 (``lsun``)."""
    _check("arch", arch, ARCHS)
    _check("model", model, MODELS)
    spec = SPECS[arch]
    if model == "conv":
        gen: nn.Module = DeconvGenerator(spec.z_dim, _div(spec.deconv_widths, width_divisor))
    else:
        layers = tuple((max(1, w // width_divisor), k) for w, k in spec.coord_layers)
        gen = CoordConvGenerator(spec.z_dim, layers)
    disc = _discriminator(
        width_divisor,
        1,
        coordconv=model == "coordconv-gd",
        all_layers=spec.coordconv_disc_all_layers,
    )
    return GanPair(gen, disc, spec.z_dim)


def build_vae(model: str = "conv", latent: int = 8, width_divisor: int = 1) -> VAE:
    """The VAE of table S5 (latent 8): encoder = discriminator, decoder = generator + sigmoid."""
    _check("model", model, MODELS)
    spec = SPECS["shapes"]
    if model == "conv":
        decoder: nn.Module = DeconvGenerator(
            latent, _div(spec.deconv_widths, width_divisor), output=nn.Sigmoid
        )
    else:
        layers = tuple((max(1, w // width_divisor), k) for w, k in VAE_COORD_LAYERS)
        decoder = CoordConvGenerator(latent, layers, output=nn.Sigmoid)
    encoder = _discriminator(
        width_divisor,
        2 * latent,
        coordconv=model == "coordconv-gd",
        all_layers=False,
    )
    return VAE(encoder, decoder, latent)
