"""Make ``tools/`` importable (``reproduction`` package, ``reproduce`` script) in its tests, and
this folder too (``cli_grammar``, the fuzz's argument vectors), and write the image folders
that stand in for the user's data (ImageNet, LSUN)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
for folder in (TESTS.parent, TESTS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def write_image_folder(
    root: Path, classes: int, per_class: int, size: int = 32, *, learnable: bool = True
) -> Path:
    """Write ``root/class<k>/<i>.png`` (seeded): ``learnable``, dim noise with a bright square at
    each class's own place, so a classifier can learn the classes; otherwise noise only."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for k in range(classes):
        folder = root / f"class{k}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            img = rng.integers(0, 60 if learnable else 255, (size, size, 3), dtype=np.uint8)
            if learnable:
                img[4 + 6 * k : 12 + 6 * k, 4:12] = 255
            Image.fromarray(img).save(folder / f"{i}.png")
    return root


@pytest.fixture(scope="session")
def image_folder() -> Callable[..., Path]:
    """:func:`write_image_folder`, for tests and module fixtures."""
    return write_image_folder
