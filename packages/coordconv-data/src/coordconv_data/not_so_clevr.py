"""Not-so-Clevr: every position of a 9x9 square on a 64x64 canvas.

Liu et al., NeurIPS 2018 (arXiv:1807.03247), section 4 and S1-S4; docs/architecture.md. Centres
(x, y) run over 4..59 inclusive (56 x 56 = 3,136 examples, one per position, as in the official
code). The square image has ones on rows y-4..y+4 and columns x-4..x+4; the one-hot image has a
single 1 at (row y, column x).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coordconv_data.errors import DatasetError
from coordconv_data.npz_format import load_npz, save_npz

CANVAS = 64
SQUARE = 9
HALF = SQUARE // 2
LOW, HIGH = HALF, CANVAS - HALF - 1  # 4, 59: centres keep the square inside the canvas
QUADRANT_THRESHOLD = 32
SPLITS = ("uniform", "quadrant")
DATASET = "not-so-clevr"
VERSION = 1


@dataclass(frozen=True)
class NotSoClevr:
    """The whole dataset. ``coords`` (3136, 2) int64 as (x, y); images (3136, 64, 64) uint8."""

    coords: np.ndarray
    squares: np.ndarray
    onehots: np.ndarray

    def __len__(self) -> int:
        return len(self.coords)


def centres() -> np.ndarray:
    """All centres as (x, y), shape (3136, 2) int64, y-major order (x varies fastest)."""
    ys, xs = np.meshgrid(np.arange(LOW, HIGH + 1), np.arange(LOW, HIGH + 1), indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.int64)


def generate() -> NotSoClevr:
    """Render every square and one-hot image, vectorised (no per-image loop)."""
    coords = centres()
    x, y = coords[:, 0], coords[:, 1]
    grid = np.arange(CANVAS)
    in_rows = (np.abs(grid[None, :] - y[:, None]) <= HALF).astype(np.uint8)  # (N, 64) rows covered
    in_cols = (np.abs(grid[None, :] - x[:, None]) <= HALF).astype(np.uint8)  # (N, 64) columns
    squares = in_rows[:, :, None] * in_cols[:, None, :]  # (N, 64, 64) outer products
    onehots = np.zeros((len(coords), CANVAS, CANVAS), np.uint8)
    onehots[np.arange(len(coords)), y, x] = 1  # row y, column x
    return NotSoClevr(coords=coords, squares=squares, onehots=onehots)


def normalise_coords(coords: np.ndarray) -> np.ndarray:
    """Map pixel coordinates 0..63 to [-1, 1] as float32 (same convention as AddCoords)."""
    return (coords.astype(np.float32) * (2.0 / (CANVAS - 1)) - 1.0).astype(np.float32)


def split_indices(
    split: str, *, seed: int = 0, train_fraction: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices into :func:`centres` order.

    ``uniform``: a seeded random ``train_fraction`` / rest split. ``quadrant``: test is every
    centre with x > 32 and y > 32 (729 test, 2,407 train).
    """
    coords = centres()
    if split == "uniform":
        if not 0.0 < train_fraction < 1.0:
            raise DatasetError(f"train_fraction must be in (0, 1), got {train_fraction}")
        order = np.random.default_rng(seed).permutation(len(coords))
        n_train = round(train_fraction * len(coords))
        return np.sort(order[:n_train]), np.sort(order[n_train:])
    if split == "quadrant":
        test = (coords[:, 0] > QUADRANT_THRESHOLD) & (coords[:, 1] > QUADRANT_THRESHOLD)
        return np.flatnonzero(~test), np.flatnonzero(test)
    raise DatasetError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")


def save(data: NotSoClevr, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write the dataset to a compressed ``.npz`` (see :mod:`coordconv_data.npz_format`)."""
    arrays = {"coords": data.coords, "squares": data.squares, "onehots": data.onehots}
    meta = {"n": len(data), "canvas": CANVAS, "square": SQUARE, "coords_order": "x, y"}
    return save_npz(path, DATASET, VERSION, arrays, meta, overwrite=overwrite)


def load(path: str | os.PathLike[str]) -> NotSoClevr:
    """Read a file written by :func:`save`; raises :class:`DatasetError` if it is not valid."""
    n = (HIGH - LOW + 1) ** 2
    schema = {
        "coords": ("int64", (n, 2)),
        "squares": ("uint8", (n, CANVAS, CANVAS)),
        "onehots": ("uint8", (n, CANVAS, CANVAS)),
    }
    arrays, _ = load_npz(path, DATASET, VERSION, schema)
    return NotSoClevr(**arrays)
