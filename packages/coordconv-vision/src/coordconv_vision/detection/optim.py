"""The detection optimisers (S6): ours (Adam) and the official script's (SGD with momentum).

uber-research/CoordConv ``train_faster_rcnn.py`` takes ``--opt`` from ``util.make_standard_parser``:
``sgd`` by default (``tf.train.MomentumOptimizer(lr, --mom 0.9)``, ``--lr`` 1e-3, constant LR
policy, ``--l2`` 0) on one image a step, ``--epochs`` 5. The command behind table S3 is not
published, so those defaults are "the official recipe" here. Each optimiser is a callable
``(params, config) -> Optimizer``, chosen by ``--optimizer``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from coordconv_vision.detection.config import DetectionConfig

Params = Iterable[torch.nn.Parameter]


def adam(params: Params, config: DetectionConfig) -> torch.optim.Optimizer:
    """Ours: Adam (betas 0.9, 0.999) at ``--lr``, ``--weight-decay`` as L2."""
    return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)


def sgd(params: Params, config: DetectionConfig) -> torch.optim.Optimizer:
    """The official parser's default: SGD with ``--momentum`` (TF's ``MomentumOptimizer``
    updates as PyTorch's SGD with momentum and no dampening)."""
    return torch.optim.SGD(
        params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
    )


OPTIMIZERS: dict[str, Callable[[Params, DetectionConfig], torch.optim.Optimizer]] = {
    "adam": adam,
    "sgd": sgd,
}
