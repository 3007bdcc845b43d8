"""Does a VAE use its latent? Held-out reconstructions measured with the object detector.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), S7.2. A VAE that ignores its latent (KL near 0)
decodes every image to the same picture: at best the per-pixel mean image, a white canvas with
a faint pink-blue haze and no object. One that encodes the scene draws the red and the blue
object where they were. So each held-out image is encoded to the mean of ``q(z|x)``, decoded,
and the detector of :mod:`coordconv_generative.entropy` looks for both objects in the
reconstruction; an object is *recovered* when its detected centre lies within ``tolerance``
pixels (Euclidean) of the drawn one. The strict count of :mod:`coordconv_generative.objects`
(exactly one pure red and one pure blue object of the drawn size, apart, on white) is measured
beside it: ``clean_found`` and ``clean_recovered``, the headline of the learning tests.
"""

from __future__ import annotations

import numpy as np
import torch

from coordconv_generative.entropy import Detections, detect_objects
from coordconv_generative.objects import detect_clean
from coordconv_generative.vae.model import VAE, vae_loss


@torch.no_grad()
def reconstruction_metrics(
    vae: VAE,
    images: np.ndarray,
    centres: np.ndarray,
    *,
    tolerance: float = 3.0,
    recon_weight: float = 50.0,
    batch_size: int = 256,
) -> dict[str, float | None]:
    """Metrics of ``vae`` (put in eval mode, then restored) on held-out ``images``.

    ``images (N, 64, 64, 3)`` uint8 and their drawn ``centres (N, 2, 2)`` ``[[red_x, red_y],
    [blue_x, blue_y]]`` px. Returns ``kl`` and ``recon`` (nats per image, the two terms of
    :func:`vae_loss` with ``z`` sampled), ``both_found`` (fraction of reconstructions in which
    the detector finds both objects), ``recovered`` (both found, each within ``tolerance`` px)
    and ``centre_error_px`` (median distance over the objects found; None if none).
    """
    device = next(vae.parameters()).device
    was_training = vae.training
    vae.eval()
    kl, recon, drawn = [], [], []
    for start in range(0, len(images), batch_size):
        chunk = torch.from_numpy(images[start : start + batch_size]).to(device)
        x = chunk.permute(0, 3, 1, 2).float() / 255  # (n, 3, 64, 64) in [0, 1]
        sampled, mu, logvar = vae(x)
        parts = vae_loss(x, sampled, mu, logvar, recon_weight)
        kl.append(float(parts["kl"]) * len(x))
        recon.append(float(parts["recon"]) * len(x))
        mean = vae.decoder(mu).float()  # decoded posterior mean, (n, 3, 64, 64)
        u8 = mean.clamp(0, 1).mul(255).round().to(torch.uint8).permute(0, 2, 3, 1)
        drawn.append(u8.cpu().numpy())
    vae.train(was_training)
    reconstructions = np.concatenate(drawn)
    det = detect_objects(reconstructions)
    error = _errors(det, centres)
    strict = detect_clean(reconstructions)
    n = len(images)
    return {
        "kl": sum(kl) / n,
        "recon": sum(recon) / n,
        "both_found": float(det.both.mean()),
        "recovered": _recovered(det, error, tolerance),
        "centre_error_px": float(np.median(error[det.found])) if det.found.any() else None,
        "clean_found": float(strict.both.mean()),
        "clean_recovered": _recovered(strict, _errors(strict, centres), tolerance),
    }


def _errors(det: Detections, centres: np.ndarray) -> np.ndarray:
    """``(N, 2)`` px from each detected centre to the drawn one, NaN where not found."""
    return np.linalg.norm(det.centres - centres, axis=2)


def _recovered(det: Detections, error: np.ndarray, tolerance: float) -> float:
    """The fraction of images whose both objects were found within ``tolerance`` px."""
    close = det.found & (np.nan_to_num(error, nan=np.inf) <= tolerance)
    return float(close.all(axis=1).mean())
