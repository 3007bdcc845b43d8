"""The colored-shapes VAE of table S5 (S7.2).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), S7.2. The encoder is the GAN discriminator with a
fully connected output giving the mean and log-variance of an 8-d Gaussian latent; the decoder
is a GAN generator (deconvolutional, or CoordConv with all 1x1 convs) with a sigmoid output.
The loss is the negative ELBO with the reconstruction (binary cross-entropy summed over the
64x64x3 values) weighted 50x against the KL term ("due to the pixel sparsity"): see
:func:`vae_loss`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class VAE(nn.Module):
    """``encoder``: image -> ``(N, 2 * latent)``; ``decoder``: ``(N, latent)`` -> image in [0, 1]."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, latent: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.latent = latent

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        stats = self.encoder(x)  # (N, 2 * latent)
        mu, logvar = stats.chunk(2, dim=1)  # (N, latent) each
        return mu, logvar

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns ``(reconstruction, mu, logvar)`` with a reparameterised sample."""
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar


def vae_loss(
    x: torch.Tensor,
    recon: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    recon_weight: float = 50.0,
) -> dict[str, torch.Tensor]:
    """The negative ELBO with the reconstruction term weighted ``recon_weight`` (S7.2: 50).

    For images ``x (B, 3, 64, 64)`` in [0, 1] with decoder output ``recon`` (same shape, after
    the sigmoid) and ``q(z|x) = N(mu, diag(exp(logvar)))`` (``mu, logvar (B, latent)``)::

        recon(x) = - sum_{c,h,w} [ x log x^ + (1 - x) log(1 - x^) ]        (summed over 12,288)
        KL(x)    = - 1/2 sum_j ( 1 + logvar_j - mu_j^2 - exp(logvar_j) )    (summed over latent)
        loss     = mean_over_batch( recon_weight * recon(x) + KL(x) )

    With ``recon_weight = 1`` this is the usual negative ELBO (Bernoulli likelihood, N(0, I)
    prior). S7.2: "we found it important to weight reconstruction loss more heavily than latent
    loss by a factor of 50". Both terms are in nats per image. Returns ``{"loss", "recon",
    "kl"}`` (batch means; ``recon`` and ``kl`` unweighted).
    """
    # (B, 3, 64, 64) -> (B,): summed over every value of the image, as in the ELBO
    recon_loss = F.binary_cross_entropy(recon.float(), x.float(), reduction="none").flatten(1)
    recon_per_image = recon_loss.sum(dim=1)
    kl_per_image = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)  # (B,)
    loss = (recon_weight * recon_per_image + kl_per_image).mean()
    return {"loss": loss, "recon": recon_per_image.mean(), "kl": kl_per_image.mean()}
