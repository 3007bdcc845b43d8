"""Anchors of the scattered-MNIST region-proposal model (S6, fig. S6).

S6: "We use number of anchors A = 9, with sizes (15, 15), (20, 20), (25, 25), (15, 20), (20, 25),
(20, 15), (25, 20), (15, 25), (25, 15)" as (width, height) in pixels. They sit at every cell of the
backbone's 13x13 feature map of a 64x64 image. torchvision's ``AnchorGenerator`` builds anchors
from sizes x aspect ratios and centres cell ``(0, 0)`` at pixel 0; :class:`GridAnchorGenerator`
keeps its interface (so torchvision's ``RegionProposalNetwork`` uses it unchanged) but takes the
paper's nine (width, height) pairs and centres each cell's anchors on the centre of that cell's
receptive field.

Geometry of the backbone (conv5x5 valid, maxpool 2, conv5x5 valid, maxpool 2): feature cell
``(row, col)`` sees input pixels ``4 * col .. 4 * col + 15`` (and likewise for rows), a 16-pixel
window whose centre, in continuous coordinates where pixel ``i`` spans ``[i, i + 1)``, is
``4 * col + 8``. So the stride is 4 (= 64 // 13, what ``AnchorGenerator`` computes) and the
offset 8: anchor centres run 8, 12, ..., 56 (the official ``make_anchors_mnist`` computes the
same receptive field: size 16, stride 4, first centre 8).

:func:`official_anchor_table` is the table the official training script really fed its model.
``make_anchors_mnist`` lays the anchors out as ``(4, A, H, W)`` (coordinate-major) before moving
the ``4A`` values to the last axis, but ``reshape_box_features`` reads that axis as ``(A, 4)``
(anchor-major), so most "anchors" it uses are not the paper's: at cell ``(r, c)`` with centres
``ic = 8 + 4r``, ``jc = 8 + 4c`` and (height, width) templates ``H_a``, ``W_a`` they are
``(ic, ic, ic, ic)`` twice, ``(ic, jc, jc, jc)``, ``(jc, jc, jc, jc)``, ``(jc, jc, H_0, H_1)``,
``(H_2..H_5)``, ``(H_6, H_7, H_8, W_0)``, ``(W_1..W_4)``, ``(W_5..W_8)`` read as
``(i_center, j_center, height, width)``: boxes on the diagonal sized by the cell's position,
and four boxes at the same place for every cell.
"""

from __future__ import annotations

import numpy as np
import torch
from torchvision.models.detection.anchor_utils import AnchorGenerator

# (width, height) in pixels, in the order S6 lists them.
PAPER_ANCHOR_SIZES: tuple[tuple[float, float], ...] = (
    (15, 15),
    (20, 20),
    (25, 25),
    (15, 20),
    (20, 25),
    (20, 15),
    (25, 20),
    (15, 25),
    (25, 15),
)
BACKBONE_STRIDE = 4
BACKBONE_OFFSET = 8.0


def cell_anchors(sizes_wh: tuple[tuple[float, float], ...]) -> torch.Tensor:
    """Zero-centred anchors ``(A, 4)`` xyxy: ``[-w/2, -h/2, w/2, h/2]`` for each ``(w, h)``."""
    wh = torch.tensor(sizes_wh, dtype=torch.float32).reshape(-1, 2)  # (A, 2)
    return torch.cat([-wh / 2, wh / 2], dim=1)


def anchor_grid(
    grid_size: tuple[int, int],
    stride: tuple[int, int],
    offset: tuple[float, float],
    cells: torch.Tensor,
) -> torch.Tensor:
    """Anchors of every cell of a ``(rows, cols)`` grid, ``(rows * cols * A, 4)`` xyxy.

    Cell ``(r, c)`` is centred at ``(offset_x + c * stride_x, offset_y + r * stride_y)`` (with
    ``stride``/``offset`` given as ``(y, x)``); rows are ordered cell-major then anchor, row-major
    over cells, the order of ``torchvision``'s ``AnchorGenerator`` and RPN head outputs.
    """
    rows, cols = grid_size
    ys = offset[0] + torch.arange(rows, dtype=cells.dtype, device=cells.device) * stride[0]
    xs = offset[1] + torch.arange(cols, dtype=cells.dtype, device=cells.device) * stride[1]
    cy, cx = torch.meshgrid(ys, xs, indexing="ij")  # (rows, cols) each
    centres = torch.stack([cx, cy, cx, cy], dim=-1).reshape(-1, 1, 4)  # (rows*cols, 1, 4)
    return (centres + cells.reshape(1, -1, 4)).reshape(-1, 4)


def paper_anchor_table(
    grid: int = 13, sizes_wh: tuple[tuple[float, float], ...] = PAPER_ANCHOR_SIZES
) -> torch.Tensor:
    """S6's anchors at every cell of a ``grid x grid`` map: ``(grid * grid * A, 4)`` xyxy."""
    stride, offset = (BACKBONE_STRIDE, BACKBONE_STRIDE), (BACKBONE_OFFSET, BACKBONE_OFFSET)
    return anchor_grid((grid, grid), stride, offset, cell_anchors(sizes_wh))


def official_anchor_table(
    grid: int = 13, sizes_hw: tuple[tuple[float, float], ...] = PAPER_ANCHOR_SIZES
) -> torch.Tensor:
    """The anchors the official training script feeds, row for row: ``(grid * grid * A, 4)`` xyxy.

    ``make_anchors_mnist`` and ``reshape_box_features`` (uber-research/CoordConv) replayed in
    numpy: rows ordered (row, column, anchor) like the paper table; see the module docstring.
    The official script reads S6's list of pairs as (height, width), hence ``sizes_hw``.
    """
    templates = np.array(sizes_hw, np.float64)  # (A, 2): height, width
    k = len(templates)
    centres = np.arange(grid, dtype=np.float64) * BACKBONE_STRIDE + BACKBONE_OFFSET
    layout = np.empty((4, k, grid, grid))
    layout[0] = np.tile(centres.reshape(1, -1, 1), (k, 1, grid))  # ic
    layout[1] = np.tile(centres.reshape(1, 1, -1), (k, grid, 1))  # jc
    layout[2] = np.tile(templates[:, 0].reshape(-1, 1, 1), (1, grid, grid))  # height
    layout[3] = np.tile(templates[:, 1].reshape(-1, 1, 1), (1, grid, grid))  # width
    fed = layout.reshape(4 * k, grid, grid).transpose(1, 2, 0)  # (H, W, 4k), coordinate-major
    ijhw = torch.from_numpy(fed.reshape(-1, 4).astype(np.float32))  # read as (H, W, k, 4)
    i, j, h, w = ijhw.unbind(dim=1)
    return torch.stack([j - w / 2, i - h / 2, j + w / 2, i + h / 2], dim=1)


ANCHOR_TABLES = {"paper": paper_anchor_table, "official": official_anchor_table}


class GridAnchorGenerator(AnchorGenerator):
    """``AnchorGenerator`` with explicit (width, height) anchors and a receptive-field offset."""

    def __init__(
        self,
        sizes_wh: tuple[tuple[float, float], ...] = PAPER_ANCHOR_SIZES,
        offset: tuple[float, float] = (BACKBONE_OFFSET, BACKBONE_OFFSET),
    ) -> None:
        super().__init__(sizes=((sizes_wh[0][0],),), aspect_ratios=((1.0,),))
        self.sizes_wh = tuple(sizes_wh)
        self.offset = offset
        self.cell_anchors = [cell_anchors(self.sizes_wh)]

    def num_anchors_per_location(self) -> list[int]:
        return [len(self.sizes_wh)]

    def grid_anchors(
        self, grid_sizes: list[list[int]], strides: list[list[torch.Tensor]]
    ) -> list[torch.Tensor]:
        return [
            anchor_grid(
                (int(size[0]), int(size[1])), (int(stride[0]), int(stride[1])), self.offset, cells
            )
            for size, stride, cells in zip(grid_sizes, strides, self.cell_anchors, strict=True)
        ]
