"""The colored-shapes VAE of table S5 (S7.2).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), S7.2. The encoder is the GAN discriminator with a
fully connected output giving the mean and log-variance of an 8-d Gaussian latent; the decoder
is a GAN generator (deconvolutional, or CoordConv with all 1x1 convs) with a sigmoid output.
The loss weights reconstruction 50x against the KL term ("due to the pixel sparsity").
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
    """``recon_weight * BCE + KL``, averaged over the batch.

    BCE is the per-pixel binary cross-entropy averaged over the pixels of an image (so the
    weight 50 is what makes sparse objects matter); KL is ``KL(q(z|x) || N(0, I))`` summed over
    the latent dimensions. Returns ``{"loss", "recon", "kl"}``.
    """
    recon_loss = F.binary_cross_entropy(recon.float(), x.float(), reduction="mean")
    kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)).mean()
    return {"loss": recon_weight * recon_loss + kl, "recon": recon_loss, "kl": kl}
