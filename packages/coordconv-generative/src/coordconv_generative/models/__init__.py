"""Generators, discriminators and VAEs of S7 (tables S4, S5, S6)."""

from coordconv_generative.models.builders import (
    ARCHS,
    MODELS,
    GanPair,
    build_gan,
    build_vae,
    count_parameters,
)
from coordconv_generative.models.discriminator import Discriminator
from coordconv_generative.models.generators import (
    CoordConvGenerator,
    DeconvGenerator,
    TiledCoordConv,
)
from coordconv_generative.models.vae import VAE

__all__ = [
    "ARCHS",
    "MODELS",
    "VAE",
    "CoordConvGenerator",
    "DeconvGenerator",
    "Discriminator",
    "GanPair",
    "TiledCoordConv",
    "build_gan",
    "build_vae",
    "count_parameters",
]
