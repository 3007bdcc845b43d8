"""What a CoordConv layer computes once per input size instead of on every call.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), S9: the coordinate channels are the same for every
sample and every step. A layer's coordinate grid (:func:`coordconv_core.coords.encode_grid`) and,
for the im2col coordinate term, its columns (:func:`coordconv_core.coord_term.conv_coord_columns`)
depend only on the input's spatial size, dtype and device and on the layer's hyper-parameters, so
a layer keeps the last ones it built (:func:`cached`). Rebuilding them cost 1-2% of a training
step's time in the layer benchmark (``tools/bench/bench_coordconv_layer.py``: ``arange``, ``pad``,
``im2col`` and their parallel regions at 2 threads); what the layer computes from them is the
same bit for bit.

One entry per layer, replaced when the key changes (another input size, dtype or device, or a
changed Fourier matrix); ``Module._apply`` (``.to()``, ``.half()``...) drops it. The entry is a
``(key, value)`` tuple read and written as one attribute, so threads running one layer on
different devices (``nn.DataParallel``) never get another key's value. Nothing is cached while
``torch.compile``/``torch.export`` or TorchScript trace the layer (the compiled graph computes
the coordinates itself and folds them into constants), in inference mode (inference tensors must
not reach a later training step's autograd graph) or in ONNX export.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import torch
from torch import nn

T = TypeVar("T")

ATTRIBUTE = "_coordinate_cache"
"""The layer attribute (in its ``__dict__``, not its ``state_dict``) holding ``(key, value)``."""


def caching_allowed() -> bool:
    """Whether a layer may reuse (and store) its coordinate constants now."""
    return not (
        torch.compiler.is_compiling()
        or torch.jit.is_tracing()
        or torch.jit.is_scripting()
        or torch.onnx.is_in_onnx_export()
        or torch.is_inference_mode_enabled()
    )


def cached(module: nn.Module, key: Callable[[], Hashable], build: Callable[[], T]) -> T:
    """``build()``, or what it returned on ``module``'s last call if ``key()`` is the same.

    ``key()`` must compare by value (tuples of ints, strings, dtypes, devices; no tensors); it
    is not called where nothing may be cached (so tracers never see it).
    """
    if not caching_allowed():
        return build()
    current = key()
    entry: tuple[Any, Any] | None = module.__dict__.get(ATTRIBUTE)
    if entry is not None and entry[0] == current:
        return entry[1]
    value = build()
    module.__dict__[ATTRIBUTE] = (current, value)
    return value


def drop(module: nn.Module) -> None:
    """Forget ``module``'s entry (its tensors may be on another device or dtype now)."""
    module.__dict__.pop(ATTRIBUTE, None)
