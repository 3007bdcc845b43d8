"""ImageNet classification with ResNet-50 and CoordConv ResNet-50 (S5, table S2).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv solution",
NeurIPS 2018 (arXiv:1807.03247).
"""

from coordconv_vision.imagenet.models import build_classifier, coordconv_resnet50
from coordconv_vision.imagenet.stem import CoordConvStem

__all__ = ["CoordConvStem", "build_classifier", "coordconv_resnet50"]
