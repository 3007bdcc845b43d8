"""The colored-shapes VAEs of Liu et al. (2018), S7.2 (table S5).

- :mod:`.train`: ``coordconv-generative vae``, the trainer
- :mod:`.model`: the VAE module and its loss (the negative ELBO, reconstruction weighted 50x)
- :mod:`.reconstruction`: whether a VAE uses its latent, on held-out images

Its encoder and decoder are the GAN's networks (:mod:`coordconv_generative.models`).
"""
