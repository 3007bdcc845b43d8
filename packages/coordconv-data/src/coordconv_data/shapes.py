"""Two-object shapes: one red and one blue circle/square on white (S7.1, S7.2; docs/architecture.md).

Liu et al., NeurIPS 2018 (arXiv:1807.03247), S7: "50k red-and-blue-object images of size 64x64 ...
objects appear at random positions on a white background without overlapping ... always one red
and one blue, of a randomly chosen shape out of {circle, square}" (Sort-of-Clevr style).

Exactly what is drawn (all integer maths, so the same seed gives the same bytes everywhere):

- canvas 64x64 RGB, background (255, 255, 255); object 0 is red (255, 0, 0), object 1 blue
  (0, 0, 255); each kind is 0 = circle or 1 = square with probability 1/2;
- each object has an integer size ``s`` drawn uniformly from ``min_size..max_size`` and an
  integer top-left pixel (``left``, ``top``) drawn uniformly so that its ``s x s`` bounding box
  lies inside the canvas. Its centre is ``(left + (s - 1) / 2, top + (s - 1) / 2)`` in pixel
  coordinates (x = column, y = row, pixel centres at integers), so ``centres`` and ``sizes``
  describe the object exactly. The default size, :data:`SIZE` = 21 px, is the official
  generator's (``data/sort_of_clevr_generator.py``: squares from ``centre - 10`` to
  ``centre + 10``, circles of radius 10, centres uniform in 10..53 as here); the paper gives no
  size;
- a square fills its whole bounding box; a circle (diameter ``s``) fills the pixels whose centre
  is within ``s / 2`` of the object's centre (it touches its bounding box at the 4 edge midpoints);
- the two bounding boxes are at least ``min_gap`` (default 2) empty pixels apart along x or
  along y, so the objects never overlap or touch; pairs that violate it are redrawn (the
  paper says "without overlapping"; the official generator only keeps the centres 20 px apart,
  so its squares may overlap);
- ``antialias=True`` shades circle-edge pixels by their coverage over a 4x4 grid of sub-pixel
  samples (colour = white blended towards the object colour by the covered fraction, rounded to
  the nearest integer); squares are pixel-aligned and come out identical either way.

Images are generated in fixed chunks of :data:`CHUNK` images, chunk ``k`` seeded with child ``k``
of ``numpy.random.SeedSequence(seed)``: the first images of a large set equal a small set's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from coordconv_data.errors import DatasetError
from coordconv_data.npz_format import load_npz, save_npz

CANVAS = 64
CIRCLE, SQUARE = 0, 1
KIND_NAMES = ("circle", "square")
COLOURS = np.array([[255, 0, 0], [0, 0, 255]], dtype=np.uint8)  # object 0 red, object 1 blue
CHUNK = 1024
VERSION = 2  # 2: default object size 21 px (was 10), as the official generator draws
SIZE = 21  # default square side / circle diameter, px (official code: half-side / radius 10)
DATASET = "shapes"


@dataclass(frozen=True)
class ShapesData:
    """Two-object images and what was drawn in each.

    images (N, 64, 64, 3) uint8, white background; kinds (N, 2) int8 [red, blue], 0 circle /
    1 square; centres (N, 2, 2) float32 [[red_x, red_y], [blue_x, blue_y]] in pixels (x = column,
    y = row); sizes (N, 2) float32 (square side / circle diameter, px).
    """

    images: np.ndarray
    kinds: np.ndarray
    centres: np.ndarray
    sizes: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


def generate(
    n: int = 50_000,
    seed: int = 0,
    antialias: bool = False,
    *,
    min_size: int = SIZE,
    max_size: int = SIZE,
    min_gap: int = 2,
    progress: bool = False,
) -> ShapesData:
    """Draw ``n`` images (vectorised over chunks of :data:`CHUNK` images)."""
    _check(n, min_size, max_size, min_gap)
    kinds = np.empty((n, 2), np.int8)
    sizes = np.empty((n, 2), np.int64)
    corners = np.empty((n, 2, 2), np.int64)  # (N, object, [left, top])
    images = np.empty((n, CANVAS, CANVAS, 3), np.uint8)
    children = np.random.SeedSequence(seed).spawn((n + CHUNK - 1) // CHUNK)
    for k, child in enumerate(tqdm(children, desc="shapes", unit="chunk", disable=not progress)):
        part = slice(k * CHUNK, min(n, (k + 1) * CHUNK))
        c_kinds, c_sizes, c_corners = _layout(
            np.random.default_rng(child), CHUNK, min_size, max_size, min_gap
        )
        m = part.stop - part.start
        kinds[part], sizes[part], corners[part] = c_kinds[:m], c_sizes[:m], c_corners[:m]
        paint(images[part], kinds[part], sizes[part], corners[part], antialias=antialias)
    centres = corners.astype(np.float32) + (sizes[..., None].astype(np.float32) - 1) / 2
    return ShapesData(images, kinds, centres.astype(np.float32), sizes.astype(np.float32))


def _check(n: int, min_size: int, max_size: int, min_gap: int) -> None:
    if n < 0:
        raise DatasetError(f"number of images must be >= 0, got {n}")
    if not 1 <= min_size <= max_size:
        raise DatasetError(f"need 1 <= min_size <= max_size, got {min_size}, {max_size}")
    if min_gap < 0:
        raise DatasetError(f"min_gap must be >= 0, got {min_gap}")
    if 2 * max_size + min_gap > CANVAS:
        raise DatasetError(f"two objects of size {max_size} and gap {min_gap} do not fit in 64 px")


def _layout(
    rng: np.random.Generator, n: int, min_size: int, max_size: int, min_gap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kinds (n, 2), sizes (n, 2), top-left corners (n, 2, 2); redraws overlapping pairs."""
    kinds = rng.integers(0, 2, size=(n, 2)).astype(np.int8)
    sizes = rng.integers(min_size, max_size + 1, size=(n, 2))
    corners = np.empty((n, 2, 2), np.int64)
    todo = np.arange(n)
    while len(todo):
        # top-left uniform over positions keeping the s x s box inside: 0..64-s
        corners[todo] = rng.integers(
            0, CANVAS - sizes[todo][:, :, None] + 1, size=(len(todo), 2, 2)
        )
        todo = todo[~_separated(sizes[todo], corners[todo], min_gap)]
    return kinds, sizes, corners


def _separated(sizes: np.ndarray, corners: np.ndarray, min_gap: int) -> np.ndarray:
    """(n,) bool: the two bounding boxes have >= min_gap empty pixels between them along x or y."""
    lo, hi = corners, corners + sizes[:, :, None]  # (n, 2 objects, 2 axes), hi exclusive
    gap = np.maximum(lo[:, 1] - hi[:, 0], lo[:, 0] - hi[:, 1])  # (n, 2 axes)
    return (gap >= min_gap).any(axis=1)


def render(
    kinds: np.ndarray, sizes: np.ndarray, corners: np.ndarray, *, antialias: bool = False
) -> np.ndarray:
    """Draw images (n, 64, 64, 3) uint8 from kinds (n, 2), int sizes (n, 2), corners (n, 2, 2)."""
    images = np.empty((len(kinds), CANVAS, CANVAS, 3), np.uint8)
    paint(images, kinds, sizes, corners, antialias=antialias)
    return images


def paint(
    out: np.ndarray,
    kinds: np.ndarray,
    sizes: np.ndarray,
    corners: np.ndarray,
    *,
    antialias: bool = False,
) -> None:
    """Fill ``out`` (n, 64, 64, 3) uint8 with white and the two objects of each image.

    Corners are integers, so an object's pixels depend only on its kind and size: each (kind,
    size) stamp, the list of its non-white pixels (offset from the top-left, colour), is drawn
    once; then every object's pixels are written with one scatter per object index. Only the
    objects' own pixels are written, and the objects never overlap, so the order is irrelevant.
    """
    n = len(kinds)
    out[...] = 255
    if n == 0:
        return
    lo, hi = int(sizes.min()), int(sizes.max())
    flat = out.reshape(n * CANVAS * CANVAS, 3)  # a view: (pixel, rgb)
    for obj in range(2):
        stamps = [
            [_stamp(obj, k, s, antialias) for s in range(lo, hi + 1)] for k in (CIRCLE, SQUARE)
        ]
        width = max(len(off) for row in stamps for off, _ in row)
        # bank_off[kind, size - lo, p] = pixel offset dy * 64 + dx (-1 = unused slot), (2, S, P)
        bank_off = np.full((2, hi - lo + 1, width), -1, np.int64)
        bank_rgb = np.zeros((2, hi - lo + 1, width, 3), np.uint8)
        for k, row in enumerate(stamps):
            for j, (off, rgb) in enumerate(row):
                bank_off[k, j, : len(off)], bank_rgb[k, j, : len(off)] = off, rgb
        pick = (kinds[:, obj].astype(np.int64), sizes[:, obj] - lo)
        offsets, colours = bank_off[pick], bank_rgb[pick]  # (n, P), (n, P, 3)
        origin = np.arange(n) * CANVAS * CANVAS + corners[:, obj, 1] * CANVAS + corners[:, obj, 0]
        used = offsets >= 0
        flat[(origin[:, None] + offsets)[used]] = colours[used]


def _stamp(obj: int, kind: int, size: int, antialias: bool) -> tuple[np.ndarray, np.ndarray]:
    """Non-white pixels of one object: offsets dy * 64 + dx (P,) and colours (P, 3) uint8."""
    cover = _stencil(kind, size, size, antialias)  # (size, size) sub-samples covered, 0..16
    dy, dx = np.nonzero(cover)
    return dy * CANVAS + dx, _coloured(obj, cover[dy, dx])


def _stencil(kind: int, size: int, pad: int, antialias: bool) -> np.ndarray:
    """Covered sub-samples (0..16) of a ``size`` object in a (pad, pad) int64 patch, top-left."""
    patch = np.zeros((pad, pad), np.int64)
    if kind == SQUARE:
        patch[:size, :size] = 16
        return patch
    # circle in units of 1/8 pixel: centre = 4 * (size - 1), radius = 4 * size
    grid = 8 * np.arange(size) - 4 * (size - 1)
    offsets = np.array([-3, -1, 1, 3]) if antialias else np.array([0])
    sub = (grid[:, None] + offsets[None, :]).ravel() ** 2  # (size * len(offsets),)
    inside = (sub[:, None] + sub[None, :]) <= (4 * size) ** 2
    k = len(offsets)
    count = inside.reshape(size, k, size, k).sum(axis=(1, 3))  # (size, size) samples covered
    patch[:size, :size] = count * (16 // (k * k))
    return patch


def _coloured(obj: int, cover: np.ndarray) -> np.ndarray:
    """White blended towards object ``obj``'s colour by coverage/16, exact integer rounding."""
    c = cover[..., None]  # (..., 1) of 0..16
    colour = COLOURS[obj].astype(np.int64)
    return ((255 * (16 - c) + colour * c + 8) // 16).astype(np.uint8)  # (..., 3)


def save(data: ShapesData, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write ``data`` to a compressed ``.npz`` (see :mod:`coordconv_data.npz_format`)."""
    arrays = {
        "images": data.images,
        "kinds": data.kinds,
        "centres": data.centres,
        "sizes": data.sizes,
    }
    meta = {"n": len(data), "kind_names": list(KIND_NAMES), "colours": COLOURS.tolist()}
    return save_npz(path, DATASET, VERSION, arrays, meta, overwrite=overwrite)


def load(path: str | os.PathLike[str]) -> ShapesData:
    """Read a file written by :func:`save`; raises :class:`DatasetError` if it is not valid."""
    schema = {
        "images": ("uint8", (None, CANVAS, CANVAS, 3)),
        "kinds": ("int8", (None, 2)),
        "centres": ("float32", (None, 2, 2)),
        "sizes": ("float32", (None, 2)),
    }
    arrays, _ = load_npz(path, DATASET, VERSION, schema)
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) != 1:
        raise DatasetError(f"{path}: arrays disagree on the number of images")
    return ShapesData(**{name: arrays[name] for name in schema})
