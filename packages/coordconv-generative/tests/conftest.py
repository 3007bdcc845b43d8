"""Shared fixtures: a small coordconv-data shapes file (made once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordconv_data import shapes


@pytest.fixture(scope="session")
def shapes_data() -> shapes.ShapesData:
    return shapes.generate(n=512, seed=0)


@pytest.fixture(scope="session")
def shapes_file(tmp_path_factory: pytest.TempPathFactory, shapes_data: shapes.ShapesData) -> Path:
    path = tmp_path_factory.mktemp("data") / "shapes.npz"
    shapes.save(shapes_data, path)
    return path


@pytest.fixture(scope="session")
def shapes_2k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,048 images (seed 1): enough for a learning test to hold 256 out."""
    path = tmp_path_factory.mktemp("data2k") / "shapes.npz"
    shapes.save(shapes.generate(n=2048, seed=1), path)
    return path


@pytest.fixture(scope="session")
def shapes_quick(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quick preset's GAN data: ``coordconv-data generate shapes --n 2000 --seed 0``."""
    path = tmp_path_factory.mktemp("data-quick") / "shapes.npz"
    shapes.save(shapes.generate(n=2000, seed=0), path)
    return path
