"""Preview grids: tiling, scaling and box outlines at exact pixels."""

from __future__ import annotations

import numpy as np
import pytest

from coordconv_data import DatasetError
from coordconv_data.preview import grid_image


def test_grid_tiles_scales_and_outlines_boxes():
    images = np.zeros((3, 8, 8), np.uint8)
    images[1, 2, 3] = 200
    boxes = np.array([[[1, 1, 3, 4]]] * 3, np.float32)  # columns 1..2, rows 1..3
    grid = np.asarray(grid_image(images, boxes=boxes, columns=2, scale=2, gap=1))
    assert grid.shape == (1 + 2 * (16 + 1), 1 + 2 * (16 + 1), 3)  # 2 rows x 2 columns of cells
    tile = grid[1:17, 18:34]  # image 1 (row 0, column 1)
    np.testing.assert_array_equal(tile[5, 7], [200, 200, 200])  # pixel (2, 3) scaled 2x, inside
    assert tuple(tile[2, 2]) == (255, 40, 40)  # box corner (x1, y1) = (1, 1) -> (2, 2)
    assert tuple(tile[7, 5]) == (255, 40, 40)  # bottom-right (x2, y2) = (3, 4) -> (5, 7)
    assert tuple(tile[8, 6]) == (0, 0, 0)
    assert tuple(grid[20, 20]) == (128, 128, 128)  # the empty fourth cell


def test_binary_images_are_stretched_and_rgb_kept():
    grid = np.asarray(grid_image(np.ones((1, 4, 4), np.uint8), scale=1, gap=0))
    assert (grid == 255).all()
    rgb = np.zeros((2, 4, 4, 3), np.uint8)
    rgb[..., 2] = 9
    assert (np.asarray(grid_image(rgb, scale=1, gap=0))[..., 2] == 9).all()


def test_empty_preview_is_an_error():
    with pytest.raises(DatasetError, match="empty"):
        grid_image(np.zeros((0, 8, 8), np.uint8))
