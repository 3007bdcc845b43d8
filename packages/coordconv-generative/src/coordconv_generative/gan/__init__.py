"""The GANs of Liu et al. (2018), S7.1 (colored shapes, table S4) and S7.3 (LSUN, table S6).

- :mod:`.train`: ``coordconv-generative gan``, the trainer (the paper's recipe and ours)
- :mod:`.recipe`: what our recipe adds to the paper's (R1, the generator's moving average,
  the discriminator judging pre-tanh images)
- :mod:`.augment`: DiffAugment's translation of every image the discriminator sees
- :mod:`.select`: scoring a generator by its samples and keeping the best epoch snapshot

The networks (shared with the VAE) are in :mod:`coordconv_generative.models`.
"""
