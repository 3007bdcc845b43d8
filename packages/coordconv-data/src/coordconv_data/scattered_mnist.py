"""Scattered-MNIST detection: 5 rescaled real MNIST digits per 64x64 canvas (S6; DESIGN.md 5.3).

Liu et al., NeurIPS 2018 (arXiv:1807.03247), S6: digits "randomly rescaled and placed ... on a
much larger canvas and then center crop[ped] to be 64x64, so that digits can be partially outside
of the canvas. We kept images that contain 5 digit objects whose centers are within the canvas."

Exactly what is drawn, per canvas and digit (``n_digits = 5``):

- a digit image is drawn uniformly (with replacement) from the split's pool (train canvases from
  training digits, test canvases from disjoint test digits; see :mod:`.mnist_source`), and a
  height and width uniformly and independently from ``min_size..max_size`` (15..25 px, the
  official code's range); the 28x28 digit is resized to (height, width) with PIL bilinear;
- its ink box is the tight box of the resized patch's non-zero pixels, and its centre the pixel
  ``(floor((x0 + x1) / 2), floor((y0 + y1) / 2))`` of that box (inclusive pixel bounds);
- its top-left position is uniform over every integer offset that puts that centre inside the
  64x64 canvas. This is the paper's "place on a larger canvas, centre-crop, keep canvases whose
  5 centres are inside" without the rejection loop: the digits' positions are independent, so
  conditioning the whole canvas on all centres being inside is the same as conditioning each
  digit's position separately. Parts outside the canvas are cut off. A digit whose visible part
  has no ink (possible, rarely, at a corner) gets a new position;
- digits may overlap (the paper allows it): overlapping pixels take the maximum intensity;
- ``boxes`` are the tight box of the digit's non-zero pixels *inside the canvas*, as
  ``(x1, y1, x2, y2)`` pixel edges: ``x1`` = first ink column, ``x2`` = last ink column + 1
  (so ``x2 - x1`` is the width in pixels and ``0 <= x1 < x2 <= 64``), float32. A box is computed
  from the digit's own patch, so an overlapping neighbour never enlarges it.

Each split also records ``digit_ids`` (N, 5), the index of each digit in its pool, and
``placements`` (N, 5, 4) int64 ``(left, top, width, height)`` of each resized patch on the canvas
(partly outside for cut digits), so every canvas can be re-drawn and checked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from coordconv_data.errors import DatasetError
from coordconv_data.mnist_source import MnistDigits, load_digits
from coordconv_data.npz_format import load_npz, save_npz

__all__ = [
    "DetectionSplit",
    "MnistDigits",
    "ScatteredMnist",
    "generate",
    "load",
    "load_digits",
    "render_patch",
    "save",
]

CANVAS = 64
DATASET = "scattered-mnist"
VERSION = 1
SPLIT_NAMES = ("train", "test")


@dataclass(frozen=True)
class DetectionSplit:
    """images (N, 64, 64) uint8; boxes (N, K, 4) float32 xyxy pixel edges; labels (N, K) int64.

    ``digit_ids`` (N, K) int64 and ``placements`` (N, K, 4) int64 (left, top, width, height) say
    how each digit was drawn (``None`` for splits made by hand).
    """

    images: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    digit_ids: np.ndarray | None = None
    placements: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.images)


@dataclass(frozen=True)
class ScatteredMnist:
    """The train and test canvases and where their digits came from."""

    train: DetectionSplit
    test: DetectionSplit
    source: str = "unknown"


def render_patch(digit: np.ndarray, height: int, width: int) -> np.ndarray:
    """A 28x28 uint8 digit resized to (height, width) with PIL bilinear (deterministic)."""
    return _resize(Image.fromarray(np.ascontiguousarray(digit, dtype=np.uint8)), height, width)


def _resize(image: Image.Image, height: int, width: int) -> np.ndarray:
    return np.asarray(image.resize((int(width), int(height)), Image.Resampling.BILINEAR))


def generate(
    digits: MnistDigits,
    n_train: int = 9000,
    n_test: int = 1000,
    seed: int = 0,
    *,
    n_digits: int = 5,
    min_size: int = 15,
    max_size: int = 25,
    progress: bool = False,
) -> ScatteredMnist:
    """Draw ``n_train`` training and ``n_test`` test canvases (see the module docstring)."""
    if n_train < 0 or n_test < 0 or n_digits < 1:
        raise DatasetError(
            f"counts must be >= 0 (n_digits >= 1), got n_train={n_train}, n_test={n_test}, "
            f"n_digits={n_digits}"
        )
    if not 1 <= min_size <= max_size <= CANVAS:
        raise DatasetError(f"need 1 <= min_size <= max_size <= 64, got {min_size}, {max_size}")
    train_seed, test_seed = np.random.SeedSequence(seed).spawn(2)
    bar = tqdm(total=n_train + n_test, desc="scattered-mnist", unit="img", disable=not progress)
    with bar:
        splits = [
            _generate_split(
                pool_images,
                pool_labels,
                n,
                np.random.default_rng(split_seed),
                n_digits,
                (min_size, max_size),
                bar,
                name,
            )
            for name, pool_images, pool_labels, n, split_seed in (
                ("train", digits.train_images, digits.train_labels, n_train, train_seed),
                ("test", digits.test_images, digits.test_labels, n_test, test_seed),
            )
        ]
    return ScatteredMnist(train=splits[0], test=splits[1], source=digits.source)


def _generate_split(
    pool: np.ndarray,
    pool_labels: np.ndarray,
    n: int,
    rng: np.random.Generator,
    n_digits: int,
    size_range: tuple[int, int],
    bar: tqdm,
    name: str,
) -> DetectionSplit:
    if n and not len(pool):
        raise DatasetError(f"the {name} digit pool is empty")
    k = n_digits
    ids = rng.integers(0, len(pool), size=(n, k)) if n else np.zeros((n, k), np.int64)
    hw = rng.integers(size_range[0], size_range[1] + 1, size=(n, k, 2))  # (height, width)
    # one PIL resize per digit instance (each pool image converted to PIL once); ink boxes in
    # patch coordinates, inclusive bounds
    sources: dict[int, Image.Image] = {}
    patches = []
    for i, (h, w) in zip(ids.ravel().tolist(), hw.reshape(-1, 2), strict=True):
        if i not in sources:
            sources[i] = Image.fromarray(pool[i])
        patches.append(_resize(sources[i], h, w))
    ink = np.array([_ink_box(p) for p in patches], np.int64).reshape(n, k, 4)  # r0, r1, c0, c1
    if (ink[..., 1] < 0).any():
        raise DatasetError(f"the {name} digit pool holds an all-zero (blank) digit image")
    centre_row = (ink[..., 0] + ink[..., 1]) // 2  # (n, k), patch coordinates
    centre_col = (ink[..., 2] + ink[..., 3]) // 2
    tops = rng.integers(-centre_row, CANVAS - centre_row)  # centre row lands in 0..63
    lefts = rng.integers(-centre_col, CANVAS - centre_col)
    images = np.zeros((n, CANVAS, CANVAS), np.uint8)
    boxes = np.zeros((n, k, 4), np.float32)
    flat_patches = iter(patches)
    for c in range(n):
        for j in range(k):
            patch = next(flat_patches)
            top, left = int(tops[c, j]), int(lefts[c, j])
            r0, r1, c0, c1 = ink[c, j]
            if top + r0 >= 0 and left + c0 >= 0 and top + r1 < CANVAS and left + c1 < CANVAS:
                box = (left + c0, top + r0, left + c1 + 1, top + r1 + 1)  # all ink is visible
            else:
                box = _visible_ink_box(patch, top, left)
            while box is None:  # no ink inside the canvas: redraw this digit's position
                tops[c, j] = rng.integers(-centre_row[c, j], CANVAS - centre_row[c, j])
                lefts[c, j] = rng.integers(-centre_col[c, j], CANVAS - centre_col[c, j])
                box = _visible_ink_box(patch, tops[c, j], lefts[c, j])
            _paste_max(images[c], patch, tops[c, j], lefts[c, j])
            boxes[c, j] = box
        bar.update(1)
    placements = np.stack([lefts, tops, hw[..., 1], hw[..., 0]], axis=-1).astype(np.int64)
    return DetectionSplit(
        images, boxes, pool_labels[ids].astype(np.int64), ids.astype(np.int64), placements
    )


def _ink_box(patch: np.ndarray) -> tuple[int, int, int, int]:
    """Inclusive (row0, row1, col0, col1) of non-zero pixels; (-1, -1, -1, -1) if blank."""
    rows, cols = patch.any(axis=1), patch.any(axis=0)
    if not rows.any():
        return (-1, -1, -1, -1)
    last_row, last_col = (
        len(rows) - 1 - int(rows[::-1].argmax()),
        len(cols) - 1 - int(cols[::-1].argmax()),
    )
    return (int(rows.argmax()), last_row, int(cols.argmax()), last_col)


def _clip(top: int, left: int, shape: tuple[int, ...]) -> tuple[slice, slice, slice, slice]:
    """Canvas (rows, cols) and patch (rows, cols) slices of a patch placed at (top, left)."""
    h, w = shape
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + h, CANVAS), min(left + w, CANVAS)
    return slice(r0, r1), slice(c0, c1), slice(r0 - top, r1 - top), slice(c0 - left, c1 - left)


def _visible_ink_box(patch: np.ndarray, top: int, left: int) -> tuple[int, int, int, int] | None:
    """Canvas xyxy (pixel edges) of the patch's non-zero pixels inside the canvas, or None."""
    rows, cols, prow, pcol = _clip(int(top), int(left), patch.shape)
    r0, r1, c0, c1 = _ink_box(patch[prow, pcol])
    if r1 < 0:
        return None
    return (cols.start + c0, rows.start + r0, cols.start + c1 + 1, rows.start + r1 + 1)


def _paste_max(canvas: np.ndarray, patch: np.ndarray, top: int, left: int) -> None:
    rows, cols, prow, pcol = _clip(int(top), int(left), patch.shape)
    np.maximum(canvas[rows, cols], patch[prow, pcol], out=canvas[rows, cols])


def _split_arrays(prefix: str, split: DetectionSplit) -> dict[str, np.ndarray]:
    arrays = {
        f"{prefix}_images": split.images,
        f"{prefix}_boxes": split.boxes,
        f"{prefix}_labels": split.labels,
    }
    n, k = split.labels.shape
    arrays[f"{prefix}_digit_ids"] = (
        split.digit_ids if split.digit_ids is not None else np.full((n, k), -1, np.int64)
    )
    arrays[f"{prefix}_placements"] = (
        split.placements if split.placements is not None else np.full((n, k, 4), -1, np.int64)
    )
    return arrays


def save(data: ScatteredMnist, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write both splits to one compressed ``.npz`` (see :mod:`coordconv_data.npz_format`)."""
    arrays = {**_split_arrays("train", data.train), **_split_arrays("test", data.test)}
    meta = {
        "source": data.source,
        "n_train": len(data.train),
        "n_test": len(data.test),
        "box_format": "xyxy pixel edges: x2 = last ink column + 1",
        "overlap": "max",
    }
    return save_npz(path, DATASET, VERSION, arrays, meta, overwrite=overwrite)


def load(path: str | os.PathLike[str]) -> ScatteredMnist:
    """Read a file written by :func:`save`; raises :class:`DatasetError` if it is not valid."""
    schema: dict[str, tuple[str, tuple[int | None, ...]]] = {}
    for prefix in SPLIT_NAMES:
        schema |= {
            f"{prefix}_images": ("uint8", (None, CANVAS, CANVAS)),
            f"{prefix}_boxes": ("float32", (None, None, 4)),
            f"{prefix}_labels": ("int64", (None, None)),
            f"{prefix}_digit_ids": ("int64", (None, None)),
            f"{prefix}_placements": ("int64", (None, None, 4)),
        }
    arrays, meta = load_npz(path, DATASET, VERSION, schema)
    splits = []
    for prefix in SPLIT_NAMES:
        part = {
            name.removeprefix(f"{prefix}_"): arrays[name]
            for name in schema
            if name.startswith(prefix)
        }
        n, k = part["labels"].shape
        if part["images"].shape[0] != n or part["boxes"].shape[:2] != (n, k):
            raise DatasetError(f"{path}: the {prefix} arrays disagree on their sizes")
        if (part["digit_ids"] < 0).all() and n:
            part["digit_ids"] = part["placements"] = None
        splits.append(DetectionSplit(**part))
    return ScatteredMnist(train=splits[0], test=splits[1], source=str(meta.get("source")))
