"""Turn the convolutions of an existing model into CoordConv layers.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247): CoordConv layers are meant as drop-in replacements
(section 3; S5 adds them to ResNet-50, S6 to a detector's RPN, S8 to an A2C agent).

:func:`convert_to_coordconv` works like ``nn.SyncBatchNorm.convert_sync_batchnorm``: it replaces
the chosen ``nn.Conv*d`` / ``nn.ConvTranspose*d`` modules (in place in their parents) and returns
the model. The new layers get the old weights and bias and zero weights for the coordinate
channels, so the converted model computes what it computed before; training then learns how to
use the coordinates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
from torch import nn

from coordconv_core.coordconv import COORDCONV_FOR, _CoordConvNd

Selector = Literal["first", "all"] | Callable[[str, nn.Module], bool]


def _to_coordconv(conv: nn.modules.conv._ConvNd, with_r: bool) -> nn.Module:
    """A CoordConv copy of ``conv`` (same hyper-parameters, device, dtype, mode, grad flags)."""
    layer = COORDCONV_FOR[type(conv)]
    kwargs = {
        "stride": conv.stride,
        "padding": conv.padding,
        "dilation": conv.dilation,
        "bias": conv.bias is not None,
        "padding_mode": conv.padding_mode,
        "device": conv.weight.device,
        "dtype": conv.weight.dtype,
    }
    if conv.transposed:
        kwargs["output_padding"] = conv.output_padding
        in_channels, out_channels = conv.weight.shape[:2]  # (in, out, *k)
    else:
        out_channels, in_channels = conv.weight.shape[:2]  # (out, in, *k)
    new = layer(in_channels, out_channels, conv.kernel_size, with_r=with_r, **kwargs)
    with torch.no_grad():
        if conv.transposed:  # weight (in + extra, out, *k)
            new.weight[:in_channels].copy_(conv.weight)
            new.weight[in_channels:].zero_()
        else:  # weight (out, in + extra, *k)
            new.weight[:, :in_channels].copy_(conv.weight)
            new.weight[:, in_channels:].zero_()
        if conv.bias is not None:
            new.bias.copy_(conv.bias)
    new.weight.requires_grad_(conv.weight.requires_grad)
    if conv.bias is not None:
        new.bias.requires_grad_(conv.bias.requires_grad)
    new.train(conv.training)
    return new


def _is_plain_conv(module: nn.Module) -> bool:
    return type(module) in COORDCONV_FOR and not isinstance(module, _CoordConvNd)


def convert_to_coordconv(
    module: nn.Module,
    layers: Selector = "first",
    with_r: bool = False,
) -> nn.Module:
    """Replace convolutions of ``module`` by CoordConv layers that compute the same function.

    Args:
        module: any model; it is changed in place (and returned). If ``module`` is itself a
            selected convolution, the new layer is returned instead.
        layers: which convolutions (exact ``nn.Conv1d/2d/3d`` and ``nn.ConvTranspose1d/2d/3d``
            instances, in ``named_modules()`` order, i.e. registration order) to replace:
            ``"first"``: the first one (for torchvision's ResNet-50, ``conv1``);
            ``"all"``: every one with ``groups == 1`` (grouped and depthwise convolutions are
            skipped: coordinate channels belong to no group);
            a predicate ``(name, conv) -> bool``: those it accepts (name as in
            ``named_modules()``).
        with_r: add the radius channel too.

    Returns:
        ``module`` with the selected layers replaced. Their coordinate weights are zero, so the
        outputs are unchanged until training moves them. Forward/backward hooks registered on the
        replaced layers are not carried over.

    Raises:
        ValueError: if nothing is selected, if ``layers`` is not a valid choice, or if a layer
            selected by ``"first"`` or a predicate has ``groups != 1``.
    """
    if not (callable(layers) or layers in ("first", "all")):
        raise ValueError(
            f"layers must be 'first', 'all' or a predicate (name, module) -> bool, got {layers!r}"
        )
    convs = [(name, m) for name, m in module.named_modules() if _is_plain_conv(m)]
    if layers == "first":
        chosen = convs[:1]
    elif layers == "all":
        chosen = [(name, m) for name, m in convs if m.groups == 1]
    else:
        chosen = [(name, m) for name, m in convs if layers(name, m)]
    if not chosen:
        raise ValueError(
            f"convert_to_coordconv(layers={layers!r}) selected no convolution (with groups == 1)"
        )
    for name, m in chosen:
        if m.groups != 1:
            raise ValueError(
                f"cannot convert {name or type(m).__name__} ({m}): groups={m.groups}; CoordConv "
                "needs groups == 1 (the coordinate channels belong to no group)"
            )
    replacement = {id(m): _to_coordconv(m, with_r) for _, m in chosen}
    if id(module) in replacement:
        return replacement[id(module)]
    # Walk every parent (including shared submodules) so a conv registered twice is replaced everywhere.
    for parent in list(module.modules()):
        for child_name, child in list(parent.named_children()):
            if id(child) in replacement:
                setattr(parent, child_name, replacement[id(child)])
    return module
