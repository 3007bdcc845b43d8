"""Scattered-MNIST detection: 5 rescaled real MNIST digits per 64x64 canvas (S6; docs/architecture.md).

Liu et al., NeurIPS 2018 (arXiv:1807.03247), S6: digits "randomly rescaled and placed ... on a
much larger canvas and then center crop[ped] to be 64x64, so that digits can be partially outside
of the canvas. We kept images that contain 5 digit objects whose centers are within the canvas."

What is drawn follows the official loader (uber-research/CoordConv,
``data/field_of_mnist/loader.py``: ``random_position``, ``generate_dataset`` with
``canvas_size=(120, 120)``, ``center_crop=True``, ``crop_size=(64, 64)``), per canvas and digit:

- height and width uniform (continuous) in ``[min_size, max_size]`` = [15, 25] px, and a centre
  ``(i, j)`` (row, column) uniform in ``[h/2, 120 - h/2] x [w/2, 120 - w/2]`` on the 120x120
  canvas; the centre crop moves it by ``-(120 - 64) / 2 = -28``. A canvas is kept when all 5
  centres are strictly inside the 64x64 crop (``0 < i, j < 64``, the test of the official
  ``demo.py``); otherwise all its draws are discarded (rejection, ~1% kept; nothing is rendered
  before a canvas is accepted, so this costs only random numbers);
- a digit image drawn uniformly (with replacement) from the split's pool (train canvases from
  training digits, test canvases from disjoint test digits; see :mod:`.mnist_source`);
- the digit is cropped to its ink box (rows and columns with any non-zero pixel) and that crop
  is mapped onto the canvas so that it fills the box of height ``h`` and width ``w`` centred at
  ``(i, j)``: PIL's affine transform, bilinear, with the official code's coefficients (output
  pixel ``(x, y)`` with its centre at ``(x + 0.5, y + 0.5)``), straight onto the 64x64 crop;
- the digits are summed and clipped at 1, as the official code does: it adds the uint8 (0..255)
  MNIST pixels of the transformed digits into a float canvas and takes ``min(canvas, 1.0)``,
  which makes every pixel with any ink exactly 1. The images are therefore binary (stored as
  0 / 255 uint8); overlapping digits merge.

``boxes`` are the official ground truth: the whole scaled ink box of each digit as
``(x1, y1, x2, y2) = (j - w/2, i - h/2, j + w/2, i + h/2)`` in pixel-edge coordinates (pixel
``c`` spans ``[c, c + 1)``), float32, *not* clipped: a digit cut by the border keeps the box of
its full extent (``x1`` may be < 0, ``x2`` > 64). ``placements`` (N, 5, 4) float32 holds the
official ``pos`` array, ``(i_center, j_center, height, width)`` in the 64x64 crop's coordinates;
every drawn quantity is rounded to float32 before use, so ``placements`` and ``digit_ids``
re-draw each canvas exactly (:func:`render_digit`).
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
    "draw_placements",
    "generate",
    "ink_crop",
    "load",
    "load_digits",
    "placements_to_boxes",
    "render_digit",
    "save",
]

CANVAS = 64
BIG_CANVAS = 120  # the official loader's canvas before the centre crop
CROP_OFFSET = (BIG_CANVAS - CANVAS) / 2  # 28.0
DATASET = "scattered-mnist"
VERSION = 2  # 1: whole 28x28 digit resized to 15-25 px, integer offsets, max overlap, ink boxes
SPLIT_NAMES = ("train", "test")
_TRIES_PER_CHUNK = 1 << 16  # candidate canvases drawn at once (fixed: the stream depends on it)


@dataclass(frozen=True)
class DetectionSplit:
    """images (N, 64, 64) uint8; boxes (N, K, 4) float32 xyxy pixel edges; labels (N, K) int64.

    ``digit_ids`` (N, K) int64 and ``placements`` (N, K, 4) float32 ``(i_center, j_center,
    height, width)`` say how each digit was drawn (``None`` for splits made by hand).
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


def ink_crop(digit: np.ndarray) -> np.ndarray:
    """The digit cut to its ink box: the rows and columns holding a non-zero pixel.

    The official loader keeps rows and columns whose pixel sum exceeds 0.001, which for uint8
    pixels is the same as "any non-zero pixel". Raises :class:`DatasetError` on a blank digit.
    """
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    if not len(rows):
        raise DatasetError("a blank digit image (no non-zero pixel)")
    return np.ascontiguousarray(digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])


def render_digit(crop: np.ndarray, placement: np.ndarray) -> np.ndarray:
    """A uint8 ink crop drawn on an empty 64x64 canvas at ``placement`` = (i, j, h, w).

    The crop is stretched to fill the ``h x w`` box centred at row ``i``, column ``j``; the
    affine coefficients are the official loader's (``Image.AFFINE``, bilinear), in float64 from
    the float32 placement. Returns the (64, 64) uint8 result (0..255).
    """
    i_center, j_center, height, width = (float(v) for v in placement)
    h_scale, w_scale = height / crop.shape[0], width / crop.shape[1]  # < 1.0 to shrink
    i_offset, j_offset = i_center - height / 2, j_center - width / 2
    image = Image.fromarray(crop).transform(
        (CANVAS, CANVAS),
        Image.Transform.AFFINE,
        (1.0 / w_scale, 0, -j_offset / w_scale, 0, 1.0 / h_scale, -i_offset / h_scale),
        resample=Image.Resampling.BILINEAR,
    )
    return np.asarray(image)


def placements_to_boxes(placements: np.ndarray) -> np.ndarray:
    """``(..., 4)`` (i_center, j_center, height, width) -> ``(..., 4)`` float32 xyxy pixel edges."""
    p = placements.astype(np.float64)
    i, j, h, w = p[..., 0], p[..., 1], p[..., 2], p[..., 3]
    return np.stack([j - w / 2, i - h / 2, j + w / 2, i + h / 2], axis=-1).astype(np.float32)


def draw_placements(
    rng: np.random.Generator, n: int, n_digits: int, size_range: tuple[float, float]
) -> np.ndarray:
    """``(n, n_digits, 4)`` float32 (i, j, h, w) of canvases whose digit centres are all inside.

    Candidate canvases are drawn as the official ``random_position`` on the 120x120 canvas,
    moved into the centre crop and kept in order when every centre is inside (rejection).
    """
    lo, hi = size_range
    kept: list[np.ndarray] = []
    count = 0
    while count < n:
        hw = rng.uniform(lo, hi, size=(_TRIES_PER_CHUNK, n_digits, 2)).astype(np.float32)
        u = rng.uniform(0.0, 1.0, size=(_TRIES_PER_CHUNK, n_digits, 2))
        # uniform in [s/2, 120 - s/2] on the big canvas, then into the crop's coordinates
        centre = (hw / 2 + u * (BIG_CANVAS - hw) - CROP_OFFSET).astype(np.float32)
        inside = ((centre > 0) & (centre < CANVAS)).all(axis=(1, 2))
        chunk = np.concatenate([centre, hw], axis=-1)[inside]  # (kept, n_digits, 4)
        kept.append(chunk[: n - count])
        count += len(kept[-1])
    return np.concatenate(kept) if kept else np.zeros((0, n_digits, 4), np.float32)


def generate(
    digits: MnistDigits,
    n_train: int = 9000,
    n_test: int = 1000,
    seed: int = 0,
    *,
    n_digits: int = 5,
    min_size: float = 15,
    max_size: float = 25,
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
                (float(min_size), float(max_size)),
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
    size_range: tuple[float, float],
    bar: tqdm,
    name: str,
) -> DetectionSplit:
    if n and not len(pool):
        raise DatasetError(f"the {name} digit pool is empty")
    placements = draw_placements(rng, n, n_digits, size_range)  # (n, k, 4)
    ids = rng.integers(0, len(pool), size=(n, n_digits)) if n else np.zeros((0, n_digits), int)
    crops: dict[int, np.ndarray] = {}  # each pool digit cropped to its ink once
    images = np.zeros((n, CANVAS, CANVAS), np.uint8)
    for c in range(n):
        total = np.zeros((CANVAS, CANVAS), np.int32)  # the official float canvas, in integers
        for j, i in enumerate(ids[c].tolist()):
            if i not in crops:
                if not pool[i].any():
                    raise DatasetError(f"the {name} digit pool holds a blank digit image ({i})")
                crops[i] = ink_crop(pool[i])
            total += render_digit(crops[i], placements[c, j])
        images[c] = np.where(total > 0, 255, 0)  # min(sum of 0..255 values, 1.0) * 255
        bar.update(1)
    return DetectionSplit(
        images,
        placements_to_boxes(placements),
        pool_labels[ids].astype(np.int64),
        ids.astype(np.int64),
        placements,
    )


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
        split.placements if split.placements is not None else np.full((n, k, 4), np.nan, np.float32)
    )
    return arrays


def save(data: ScatteredMnist, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write both splits to one compressed ``.npz`` (see :mod:`coordconv_data.npz_format`)."""
    arrays = {**_split_arrays("train", data.train), **_split_arrays("test", data.test)}
    meta = {
        "source": data.source,
        "n_train": len(data.train),
        "n_test": len(data.test),
        "box_format": "xyxy pixel edges of each digit's whole scaled ink box (not clipped)",
        "placement_format": "(i_center, j_center, height, width), official loader 'pos'",
        "overlap": "sum clipped at 1 (binary ink, as the official loader)",
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
            f"{prefix}_placements": ("float32", (None, None, 4)),
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
