"""Exact anchor tables of the scattered-MNIST RPN (S6: nine (w, h) anchors on the 13x13 grid)."""

import torch
from torchvision.models.detection.image_list import ImageList

from coordconv_vision.detection.anchors import (
    PAPER_ANCHOR_SIZES,
    GridAnchorGenerator,
    anchor_grid,
    cell_anchors,
    official_anchor_table,
    paper_anchor_table,
)


def test_paper_anchor_sizes_are_the_nine_of_s6():
    assert PAPER_ANCHOR_SIZES == (
        (15, 15), (20, 20), (25, 25), (15, 20), (20, 25), (20, 15), (25, 20), (15, 25), (25, 15),
    )  # fmt: skip


def test_cell_anchors_are_zero_centred_w_by_h():
    cells = cell_anchors(((15, 20), (25, 15)))
    assert torch.equal(cells, torch.tensor([[-7.5, -10.0, 7.5, 10.0], [-12.5, -7.5, 12.5, 7.5]]))


def test_anchor_grid_hand_computed_2x3():
    cells = cell_anchors(((2, 4),))  # one anchor, 2 wide and 4 high
    grid = anchor_grid((2, 3), stride=(10, 5), offset=(1.0, 2.0), cells=cells)
    # centres: x = 2 + 5 c, y = 1 + 10 r, row-major over (r, c)
    expected = torch.tensor(
        [[x - 1, y - 2, x + 1, y + 2] for y in (1.0, 11.0) for x in (2.0, 7.0, 12.0)]
    )
    assert torch.equal(grid, expected)


def test_generator_on_13x13_features_of_a_64x64_image():
    gen = GridAnchorGenerator()
    images = ImageList(torch.zeros(2, 1, 64, 64), [(64, 64), (64, 64)])
    (anchors, other) = gen(images, [torch.zeros(2, 64, 13, 13)])
    assert gen.num_anchors_per_location() == [9]
    assert anchors.shape == (13 * 13 * 9, 4)
    assert torch.equal(anchors, other)
    centres = (anchors[:, :2] + anchors[:, 2:]) / 2
    sizes = anchors[:, 2:] - anchors[:, :2]
    wh = torch.tensor(PAPER_ANCHOR_SIZES, dtype=torch.float32)
    for r, c in [(0, 0), (0, 12), (5, 7), (12, 12)]:
        block = slice((r * 13 + c) * 9, (r * 13 + c + 1) * 9)
        # stride 64 // 13 = 4, receptive-field centre offset 8
        assert torch.equal(centres[block], torch.tensor([[8.0 + 4 * c, 8.0 + 4 * r]]).expand(9, 2))
        assert torch.equal(sizes[block], wh)
    assert anchors[0].tolist() == [0.5, 0.5, 15.5, 15.5]
    assert anchors[-1].tolist() == [43.5, 48.5, 68.5, 63.5]


def test_paper_table_is_the_generators():
    gen = GridAnchorGenerator()
    images = ImageList(torch.zeros(1, 1, 64, 64), [(64, 64)])
    assert torch.equal(paper_anchor_table(), gen(images, [torch.zeros(1, 64, 13, 13)])[0])


def test_official_table_hand_computed_at_cell_2_5():
    """make_anchors_mnist + reshape_box_features at cell (row 2, col 5): ic = 16, jc = 28.

    The official (h, w) templates: heights 15 20 25 15 20 20 25 15 25, widths 15 20 25 20 25 15
    20 25 15; the fed (ic, jc, h, w) rows read the coordinate-major array in fours."""
    ijhw = [
        (16, 16, 16, 16),
        (16, 16, 16, 16),
        (16, 28, 28, 28),
        (28, 28, 28, 28),
        (28, 28, 15, 20),
        (25, 15, 20, 20),
        (25, 15, 25, 15),
        (20, 25, 20, 25),
        (15, 20, 25, 15),
    ]
    expected = torch.tensor([[j - w / 2, i - h / 2, j + w / 2, i + h / 2] for i, j, h, w in ijhw])
    table = official_anchor_table()
    assert table.shape == (13 * 13 * 9, 4)
    assert torch.equal(table[(2 * 13 + 5) * 9 : (2 * 13 + 6) * 9], expected)
    # four of the nine are the same box at every cell
    assert torch.equal(table.view(169, 9, 4)[:, 5:], expected[5:].expand(169, 4, 4))
