"""Figure of test images with their proposals and ground truth (S6, fig. S6 right)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from coordconv_vision.figure_file import save_figure


def plot_detections(
    images: np.ndarray,
    gt_boxes: np.ndarray,
    boxes: list[np.ndarray],
    scores: list[np.ndarray],
    path: str | Path,
    title: str = "",
) -> Path:
    """Draw ``images (K, H, W)`` with ground truth (green), the NMS boxes (thin orange) and the
    best-scored box (thick red); ``gt_boxes (K, G, 4)``, ``boxes[k] (P, 4)`` xyxy pixel edges."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    k = len(images)
    cols = min(4, k)
    rows = math.ceil(k / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.6 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i in range(k):
        ax = axes.flat[i]
        ax.imshow(
            images[i],
            cmap="gray",
            vmin=0,
            vmax=255,
            extent=(0, images.shape[2], images.shape[1], 0),
        )
        for x1, y1, x2, y2 in gt_boxes[i]:
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="lime", lw=1.2))
        order = np.argsort(-scores[i]) if len(scores[i]) else []
        for rank, j in enumerate(order):
            x1, y1, x2, y2 = boxes[i][j]
            style = {"ec": "red", "lw": 2.0} if rank == 0 else {"ec": "orange", "lw": 0.6}
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, **style))
    fig.suptitle(
        title or "green: ground truth, red: best-scored box, orange: other NMS boxes", fontsize=9
    )
    return save_figure(fig, Path(path), 80)
