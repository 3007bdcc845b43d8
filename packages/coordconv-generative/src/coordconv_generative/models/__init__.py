"""Generators, discriminators and VAEs of S7 (tables S4, S5, S6), built by name.

The GAN's networks are also the VAE's (its encoder is the discriminator, its decoder a
generator), so they live here, shared; the VAE module itself is
:mod:`coordconv_generative.vae.model`.
"""

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
from coordconv_generative.vae.model import VAE

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
