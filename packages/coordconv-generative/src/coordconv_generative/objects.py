"""The strict object count: is a generated image one a person would call "one red and one blue
object" (S7.1, the two-object shapes of figure 7)?

:func:`coordconv_generative.entropy.detect_objects` finds the largest red and the largest blue
component of an image; it is the paper's measurement tool (object centres for the entropies) and
is permissive on purpose: it accepts a disc painted half red and half blue, colour blobs, a third
object and objects a third of the drawn size. :func:`detect_clean` accepts an image only when
every rule below holds, each derived from what :mod:`coordconv_data.shapes` draws (one red
(255, 0, 0) and one blue (0, 0, 255) circle or square of side/diameter ``SIZE`` = 21 px on white,
bounding boxes at least 2 px apart):

- **exactly one object per colour**: one red and one blue component of at least
  :data:`~coordconv_generative.entropy.MIN_PIXELS` (50) pixels, the floor above what noise makes;
  a second red or blue object, or a third object of any other colour, rejects the image;
- **the drawn size**: each object's bounding box has both sides within ``SIZE_TOLERANCE`` (40%)
  of ``SIZE`` (13-29 px for 21 px), and it is compact as drawn (it fills at least
  :data:`MIN_FILL` = 0.7 of its box: a circle fills 0.79, a square 1);
- **pure colour**: the object's interior pixels (those whose four neighbours are in the object too)
  are on average within :data:`PURITY` (a quarter of the range, 64 levels) of the pure colour in
  every channel: the drawn interior is exact, only anti-aliased edges are blends with white;
- **apart**: no red pixel touches a blue one (8-neighbourhood), as drawn objects never do;
- **a white background**: the pixels outside the two objects (and their one-pixel rim, where
  anti-aliasing blends) are near white (every channel >= 255 - :data:`PURITY`), but for at most
  :data:`~coordconv_generative.entropy.MIN_PIXELS` pixels of speckle.

Centres are the objects' centroids, ``(x, y)`` = (column, row) as in ``detect_objects``.

A GAN *draws clean objects* when at least :data:`CLEAN_FLOOR` of its samples are clean, their
centres spread at least :data:`~coordconv_generative.entropy.SPREAD_FLOOR_PX` (a constant
generator has no clean sample, a collapsed one no spread). The floor is lower than the
permissive detector's 0.3 (:data:`~coordconv_generative.entropy.DETECT_FLOOR`), and was fixed
on dev seed 0 of the CPU recipe before any seed >= 100 ran: there the conv GAN's best epoch
snapshot was clean in 0.305 of samples and the CoordConv GAN's in 0.117, its objects polygons
wider than drawn (README, "The strict count").
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from coordconv_data.shapes import COLOURS as DRAWN_COLOURS
from coordconv_data.shapes import SIZE
from coordconv_generative.entropy import (
    COLOURS,
    MIN_PIXELS,
    Detections,
    centre_spread,
    clears_floors,
    colour_mask,
)

SIZE_TOLERANCE = 0.4  # an object's box sides lie within 40% of the drawn SIZE
MIN_FILL = 0.7  # below a drawn circle's 0.79 (a square fills 1)
PURITY = 64  # levels (a quarter of 255) an interior mean may be off the pure colour
CLEAN_FLOOR = 0.05  # a GAN draws clean objects: >= 5% of its samples clean (module docstring)
_EIGHT = np.ones((3, 3), dtype=bool)


def size_band(size: int = SIZE, tolerance: float = SIZE_TOLERANCE) -> tuple[float, float]:
    """The accepted bounding-box side, px: ``size * (1 -+ tolerance)`` (12.6, 29.4 for 21)."""
    return size * (1 - tolerance), size * (1 + tolerance)


# the rules in the order they are checked; ``rejection`` names the first an image fails
RULES = ("none", "several", "size", "fill", "purity", "touching", "background")


def _one_object(
    image: np.ndarray, mask: np.ndarray, pure: np.ndarray, band: tuple[float, float]
) -> np.ndarray | str:
    """The pixels of the one object ``mask`` holds, ``(H, W)`` bool, or the rule it fails:
    ``none`` (no object), ``several``, ``size`` (outside the drawn size band), ``fill`` (not
    compact) or ``purity`` (not the ``pure`` colour, uint8 (3,))."""
    labels, count = ndimage.label(mask)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]  # (count,) pixels per component
    objects = np.flatnonzero(sizes >= MIN_PIXELS) + 1
    if len(objects) != 1:
        return "none" if len(objects) == 0 else "several"
    obj = labels == objects[0]
    rows, cols = ndimage.find_objects(obj.astype(np.int8))[0]
    height, width = rows.stop - rows.start, cols.stop - cols.start
    low, high = band
    if not (low <= height <= high and low <= width <= high):
        return "size"
    if obj.sum() < MIN_FILL * height * width:
        return "fill"
    interior = ndimage.binary_erosion(obj)  # 4-neighbourhood erosion
    if not interior.any():
        return "fill"
    mean = image[interior].astype(np.float64).mean(axis=0)  # (3,)
    if np.abs(mean - pure).max() > PURITY:
        return "purity"
    return obj


def is_clean(image: np.ndarray, *, size: int = SIZE, tolerance: float = SIZE_TOLERANCE) -> bool:
    """One ``(H, W, 3)`` uint8 image holds exactly one pure red and one pure blue object of the
    drawn size, apart, on white (module docstring)."""
    return rejection(image, size=size, tolerance=tolerance) is None


def rejection(
    image: np.ndarray, *, size: int = SIZE, tolerance: float = SIZE_TOLERANCE
) -> str | None:
    """The first rule one ``(H, W, 3)`` uint8 image fails, ``"<colour> <rule>"`` for a rule of
    one object (``"red size"``: the red object is outside the size band) or ``"touching"`` /
    ``"background"`` (:data:`RULES`); None for a clean image."""
    objects = _clean_objects(image, size_band(size, tolerance))
    return objects if isinstance(objects, str) else None


def rejection_counts(
    images: np.ndarray, *, size: int = SIZE, tolerance: float = SIZE_TOLERANCE
) -> dict[str, int]:
    """How many of ``(N, H, W, 3)`` uint8 images each first-failed rule rejects, and how many
    are ``clean``: what a low clean rate is made of."""
    counts: dict[str, int] = {}
    for image in images:
        key = rejection(image, size=size, tolerance=tolerance) or "clean"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _clean_objects(
    image: np.ndarray, band: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray] | str:
    """``(red, blue)`` object masks of a clean image, or the first rule it fails."""
    found = []
    for k, colour in enumerate(COLOURS):
        obj = _one_object(image, colour_mask(image[None], colour)[0], DRAWN_COLOURS[k], band)
        if isinstance(obj, str):
            return f"{colour} {obj}"
        found.append(obj)
    red, blue = found
    if (ndimage.binary_dilation(red, structure=_EIGHT) & blue).any():
        return "touching"
    rims = ndimage.binary_dilation(red | blue, structure=_EIGHT)
    off_white = (image < 255 - PURITY).any(axis=-1) & ~rims  # (H, W)
    if off_white.sum() > MIN_PIXELS:
        return "background"
    return red, blue


def detect_clean(
    images: np.ndarray, *, size: int = SIZE, tolerance: float = SIZE_TOLERANCE
) -> Detections:
    """The strict detector over ``(N, H, W, 3)`` uint8 images: both objects are "found" only
    in the images :func:`is_clean` accepts (then ``found[i]`` is ``[True, True]`` and
    ``centres[i]`` their centroids), neither elsewhere. ``Detections.both.mean()`` is the
    clean rate."""
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected images of shape (N, H, W, 3), got {images.shape}")
    band = size_band(size, tolerance)
    n = images.shape[0]
    centres = np.full((n, 2, 2), np.nan)
    found = np.zeros((n, 2), dtype=bool)
    for i in range(n):
        objects = _clean_objects(images[i], band)
        if isinstance(objects, str):
            continue
        for k, obj in enumerate(objects):
            row, col = ndimage.center_of_mass(obj)
            centres[i, k] = (col, row)
        found[i] = True
    return Detections(centres, found)


def draws_clean_objects(det: Detections) -> bool:
    """Strict detections ``det`` (:func:`detect_clean`) clear :data:`CLEAN_FLOOR` and the
    spread floor (module docstring)."""
    return clears_floors(float(det.both.mean()), centre_spread(det), floor=CLEAN_FLOOR)
