"""coordconv-core: the CoordConv layer for PyTorch.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018, arXiv:1807.03247.

- :mod:`.encoding`: ``CoordEncoding``, what the coordinate channels hold (``coords=``)
- :mod:`.coords`: coordinate channels (``coordinate_grid``, ``add_coords``, ``AddCoords``), S9
- :mod:`.coordconv`: ``CoordConv1d/2d/3d``, ``CoordConvTranspose1d/2d/3d`` (grouped too)
- :mod:`.wrapper`: ``CoordConvWrapper``, CoordConv around a convolution whose forward must run
- :mod:`.convert`: ``convert_to_coordconv`` for existing models
"""

from coordconv_core.convert import convert_to_coordconv
from coordconv_core.coordconv import (
    CoordConv1d,
    CoordConv2d,
    CoordConv3d,
    CoordConvTranspose1d,
    CoordConvTranspose2d,
    CoordConvTranspose3d,
)
from coordconv_core.coords import AddCoords, add_coords, coordinate_grid
from coordconv_core.encoding import ENCODINGS, CoordEncoding
from coordconv_core.wrapper import CoordConvWrapper

__version__ = "0.1.0"

__all__ = [
    "ENCODINGS",
    "AddCoords",
    "CoordConv1d",
    "CoordConv2d",
    "CoordConv3d",
    "CoordConvTranspose1d",
    "CoordConvTranspose2d",
    "CoordConvTranspose3d",
    "CoordConvWrapper",
    "CoordEncoding",
    "add_coords",
    "convert_to_coordconv",
    "coordinate_grid",
]
