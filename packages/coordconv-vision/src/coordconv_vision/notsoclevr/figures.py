"""Figures of the Not-so-Clevr runs (paper figures S2-S5), matplotlib Agg, small PNGs.

- classification (fig. S3): the 64x64 logit map and softmax probabilities for a train example
  and its neighbouring test example, and the probabilities of five horizontally neighbouring
  inputs zoomed to a 5x9 crop.
- rendering (figs. S4, S5): ground truth, logits and pixelwise probabilities for test samples.
- regression: predicted vs true test centres.
- sweep (fig. S2): model size vs test accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

from coordconv_vision.figure_file import save_figure
from coordconv_vision.notsoclevr.data import TaskData

DPI = 80


def neighbouring_pair(data: TaskData) -> tuple[int, int]:
    """Indices (train, test) of two horizontally adjacent centres, one in each split."""
    is_test = torch.zeros(len(data.coords), dtype=torch.bool, device=data.coords.device)
    is_test[data.test] = True
    pos = {tuple(c): i for i, c in enumerate(data.coords.tolist())}
    for t in data.test.tolist():
        x, y = data.coords[t].tolist()
        left = pos.get((x - 1, y))
        if left is not None and not is_test[left]:
            return left, t
    raise ValueError("no horizontally adjacent train/test pair")


@torch.no_grad()
def _outputs(model: torch.nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    model.eval()
    return model(inputs).float().cpu()


def classification_figure(path: Path, model: torch.nn.Module, data: TaskData) -> Path:
    """Figure S3 for one model."""
    train_i, test_i = neighbouring_pair(data)
    x0, y0 = data.coords[test_i].tolist()
    pos = {tuple(c): i for i, c in enumerate(data.coords.tolist())}
    five = [pos[(x, y0)] for x in range(x0 - 2, x0 + 3) if (x, y0) in pos]
    logits = _outputs(model, data.inputs[[train_i, test_i, *five]])  # (2 + 5, 64, 64)
    probs = torch.softmax(logits.flatten(1), 1).view_as(logits)
    fig, axes = plt.subplots(2, max(4, len(five)), figsize=(2.2 * max(4, len(five)), 4.6))
    for col, (i, name) in enumerate([(0, "train"), (1, "test")]):
        x, y = data.coords[[train_i, test_i][i]].tolist()
        axes[0, 2 * col].imshow(logits[i].numpy(), cmap="viridis")
        axes[0, 2 * col].set_title(f"{name} ({x},{y}) logits", fontsize=8)
        axes[0, 2 * col + 1].imshow(probs[i].numpy(), cmap="magma")
        axes[0, 2 * col + 1].set_title(f"{name} probability", fontsize=8)
    is_test = set(data.test.tolist())
    for col, i in enumerate(five):
        x, y = data.coords[i].tolist()
        crop = probs[2 + col, y0 - 2 : y0 + 3, x0 - 4 : x0 + 5]  # 5 rows x 9 columns
        axes[1, col].imshow(crop.numpy(), cmap="magma", vmin=0, vmax=1)
        axes[1, col].set_title(f"({x},{y}) {'test' if i in is_test else 'train'}", fontsize=8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("5x9 zoom of the probabilities of five neighbouring inputs (bottom)", fontsize=8)
    return save_figure(fig, path, DPI)


def rendering_figure(path: Path, model: torch.nn.Module, data: TaskData, n: int = 3) -> Path:
    """Figures S4/S5 for one model: ground truth, logits, probability for ``n`` test samples."""
    picks = data.test[torch.linspace(0, len(data.test) - 1, n).long()]
    logits = _outputs(model, data.inputs[picks])
    fig, axes = plt.subplots(n, 3, figsize=(6, 2 * n), squeeze=False)
    for r in range(n):
        x, y = data.coords[picks[r]].tolist()
        for c, (img, title) in enumerate([(data.targets[picks[r]].cpu(), f"truth ({x},{y})"),
                                          (logits[r], "logits"), (torch.sigmoid(logits[r]), "pw-prob")]):  # fmt: skip
            axes[r, c].imshow(img.numpy(), cmap="gray" if c != 1 else "viridis")
            axes[r, c].set_title(title, fontsize=8)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
    return save_figure(fig, path, DPI)


def regression_figure(path: Path, model: torch.nn.Module, data: TaskData, raw: bool) -> Path:
    """Predicted (dots) vs true (crosses) centres of the test set, in pixels."""
    from coordconv_vision.notsoclevr.data import model_to_pixels

    pred = model_to_pixels(_outputs(model, data.inputs[data.test]), raw)
    true = data.coords[data.test].cpu().float()
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.scatter(true[:, 0].numpy(), true[:, 1].numpy(), marker="x", s=6, c="0.6", label="true")
    ax.scatter(pred[:, 0].numpy(), pred[:, 1].numpy(), s=3, c="C3", label="predicted")
    ax.set_xlim(0, 63)
    ax.set_ylim(63, 0)
    ax.legend(fontsize=7)
    ax.set_title("test centres (pixels)", fontsize=9)
    return save_figure(fig, path, DPI)


def write_run_figures(
    run_dir: Path, task: str, model: torch.nn.Module, data: TaskData, raw: bool = False
) -> list[Path]:
    """The figures of one finished run, written into its run directory."""
    if task == "classification":
        return [classification_figure(run_dir / "logits.png", model, data)]
    if task == "rendering":
        return [rendering_figure(run_dir / "renderings.png", model, data)]
    return [regression_figure(run_dir / "regression.png", model, data, raw)]


def size_vs_accuracy(
    path: Path, rows: Sequence[dict[str, Any]], metric: str = "test_accuracy"
) -> Path:
    """Figure S2: parameter count (log) vs ``metric``, one colour per model and marker per split."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    markers = {"uniform": "o", "quadrant": "^"}
    colours = {"deconv": "C0", "coordconv": "C3", "conv": "C0"}
    seen = set()
    for row in rows:
        key = (row["model"], row["split"])
        ax.scatter(row["params"], row[metric], marker=markers.get(row["split"], "o"),
                   c=colours.get(row["model"], "C2"), s=18, alpha=0.8,
                   label=f"{row['model']} {row['split']}" if key not in seen else None)  # fmt: skip
        seen.add(key)
    ax.set_xscale("log")
    ax.set_xlabel("parameters")
    ax.set_ylabel(metric.replace("_", " "))
    ax.legend(fontsize=7)
    return save_figure(fig, path, DPI)
