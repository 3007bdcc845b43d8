"""coordconv-data: the CoordConv paper's datasets, generated deterministically.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv solution",
NeurIPS 2018 (arXiv:1807.03247); the experiments are described in docs/architecture.md.

- :mod:`coordconv_data.not_so_clevr`: every 9x9 square on a 64x64 canvas (S1-S4)
- :mod:`coordconv_data.scattered_mnist`: 5 rescaled MNIST digits per 64x64 canvas, boxes (S6)
- :mod:`coordconv_data.shapes`: one red and one blue circle/square on white (S7)
- :mod:`coordconv_data.torch_datasets`: ``torch.utils.data.Dataset`` wrappers (imports torch)

Importing this package does not import torch.
"""

from coordconv_data.errors import DatasetError

__version__ = "0.1.0"

__all__ = ["DatasetError", "__version__"]
