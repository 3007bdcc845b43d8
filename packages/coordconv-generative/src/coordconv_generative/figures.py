"""Figures: sample grids, latent interpolation strips (S7-S9, S11, S12) and entropy bars (S10).

PNG via torchvision's ``save_image`` (grids) and matplotlib with the Agg backend (bar chart).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from coordconv_train import own, write_atomic


def save_grid(images: np.ndarray, path: str | Path, nrow: int = 8) -> Path:
    """Write ``(N, H, W, 3)`` uint8 images as one PNG grid of ``nrow`` columns, atomically
    (a run's per-epoch samples, like its weights: :func:`coordconv_train.write_atomic`)."""
    from torchvision.utils import save_image

    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255  # (N, 3, H, W)
    return write_atomic(
        path, lambda tmp: save_image(x, str(tmp), nrow=nrow, padding=2, pad_value=0.5, format="png")
    )


def interpolation_latents(z_a: torch.Tensor, z_b: torch.Tensor, steps: int) -> torch.Tensor:
    """Linear interpolation between pairs: ``z_a, z_b (P, D)`` -> ``(P * steps, D)``, row-major
    (pair by pair, alpha from 0 = ``z_a`` to 1 = ``z_b``)."""
    alpha = torch.linspace(0, 1, steps, dtype=z_a.dtype)[None, :, None]  # (1, S, 1)
    z = (1 - alpha) * z_a[:, None] + alpha * z_b[:, None]  # (P, S, D)
    return z.reshape(-1, z_a.shape[1])


def entropy_bar_chart(results: dict[str, dict[str, Any]], path: str | Path) -> Path:
    """Figure S10: one group per metric (coverage, relative position), one bar per source
    (real data, each model) with its confidence interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [("coverage", "coverage of space"), ("relative_position", "relative position")]
    names = list(results)
    width = 0.8 / max(1, len(names))
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, name in enumerate(names):
        stats = [results[name][m] for m, _ in metrics]
        means = [st["mean"] if st["mean"] is not None else 0.0 for st in stats]
        errs = np.array(
            [
                [mean - st["ci"][0], st["ci"][1] - mean] if st["ci"] is not None else [0.0, 0.0]
                for mean, st in zip(means, stats, strict=True)
            ]
        ).T  # (2, metrics)
        x = np.arange(len(metrics)) + i * width
        ax.bar(x, means, width, yerr=errs, capsize=4, label=name)
        for xi, st in zip(x, stats, strict=True):
            if st["mean"] is None:  # no objects found in any repeat
                ax.text(xi, 0.05, "n/a", ha="center", va="bottom", rotation=90, fontsize=8)
    ax.set_xticks(np.arange(len(metrics)) + width * (len(names) - 1) / 2)
    ax.set_xticklabels([label for _, label in metrics])
    ax.set_ylabel("entropy (bits)")
    ax.legend()
    fig.tight_layout()
    own(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)
