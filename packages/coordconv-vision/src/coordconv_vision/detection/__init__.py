"""Region proposals on scattered MNIST with conv and CoordConv (S6, fig. S6, table S3).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv solution",
NeurIPS 2018 (arXiv:1807.03247).
"""

from coordconv_vision.detection.anchors import (
    PAPER_ANCHOR_SIZES,
    GridAnchorGenerator,
    anchor_grid,
    official_anchor_table,
    paper_anchor_table,
)
from coordconv_vision.detection.metrics import (
    best_match_iou,
    iou_average,
    iou_best_scored,
    iou_select,
    paired_iou,
)
from coordconv_vision.detection.model import ProposalDetector, build_detector

__all__ = [
    "PAPER_ANCHOR_SIZES",
    "GridAnchorGenerator",
    "ProposalDetector",
    "anchor_grid",
    "best_match_iou",
    "build_detector",
    "iou_average",
    "iou_best_scored",
    "iou_select",
    "official_anchor_table",
    "paired_iou",
    "paper_anchor_table",
]
