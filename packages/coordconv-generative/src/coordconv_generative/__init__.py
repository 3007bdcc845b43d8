"""coordconv-generative: the GANs and VAEs of the CoordConv paper and the entropy metrics
of mode collapse.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), S7 (tables S4-S6, figures 7, S7-S12).

- :mod:`coordconv_generative.gan`: the GANs (S7.1, S7.3): trainer, augmentation, selection
- :mod:`coordconv_generative.vae`: the VAEs (S7.2): trainer, model and loss, reconstructions

and what both share:

- :mod:`coordconv_generative.models`: generators, discriminators, VAEs by name (tables S4-S6)
- :mod:`coordconv_generative.loop`: the resumable epochs, on :class:`coordconv_train.Run`
- :mod:`coordconv_generative.data`, :mod:`coordconv_generative.init`: training images, init
- :mod:`coordconv_generative.weights`: weights files and loading a trained generator
- :mod:`coordconv_generative.entropy`: object detection and the entropy metrics (fig. S10)
- :mod:`coordconv_generative.evaluate`: ``entropy`` and ``interpolate`` commands
"""

__version__ = "0.1.0"
