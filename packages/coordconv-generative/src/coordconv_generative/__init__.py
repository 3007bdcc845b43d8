"""coordconv-generative: the GANs and VAEs of the CoordConv paper and the entropy metrics
of mode collapse.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), S7 (tables S4-S6, figures 7, S7-S12).

- :mod:`coordconv_generative.models`: generators, discriminators, VAEs (tables S4, S5, S6)
- :mod:`coordconv_generative.entropy`: object detection and the entropy metrics (fig. S10)
- :mod:`coordconv_generative.train_gan`, :mod:`coordconv_generative.train_vae`: training
- :mod:`coordconv_generative.evaluate`: ``entropy`` and ``interpolate`` commands
"""

__version__ = "0.1.0"
