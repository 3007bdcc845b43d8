"""Turn the convolutions of an existing model into CoordConv layers.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247): CoordConv layers are meant as drop-in replacements
(section 3; S5 adds them to ResNet-50, S6 to a detector's RPN, S8 to an A2C agent).

:func:`convert_to_coordconv` works like ``nn.SyncBatchNorm.convert_sync_batchnorm``: it replaces
the chosen convolutions (in place in their parents) and returns the model. Plain ``nn.Conv*d`` /
``nn.ConvTranspose*d`` modules, grouped and depthwise ones included, become CoordConv layers
(``CoordConv2d.from_conv``...); subclasses of them (weight-standardised, "same"-padding,
parametrised convolutions...) are wrapped in :class:`~coordconv_core.wrapper.CoordConvWrapper`, so
their own forward still runs. Either way the coordinate weights start at zero, so the converted
model computes what it computed before; training then learns how to use the coordinates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

from torch import nn
from torch.nn.modules.conv import _ConvNd

from coordconv_core.coordconv import COORDCONV_FOR, _CoordConvNd
from coordconv_core.encoding import CoordEncoding, as_encoding
from coordconv_core.wrapper import CoordConvWrapper

Selector = Literal["first", "all"] | Callable[[str, nn.Module], bool]


def _candidates(module: nn.Module, subclasses: str) -> Iterator[tuple[str, _ConvNd]]:
    """Convolutions not converted yet, in ``named_modules()`` order; never inside a wrapper."""
    inside: list[str] = []  # names of wrappers met so far: their convolution is taken
    for name, m in module.named_modules():
        if any(name.startswith(f"{w}.") for w in inside):
            continue
        if isinstance(m, CoordConvWrapper):
            inside.append(name)
        elif (
            isinstance(m, _ConvNd)
            and not isinstance(m, _CoordConvNd)
            and (type(m) in COORDCONV_FOR or subclasses == "wrap")
        ):
            yield name, m


def _has_hooks(module: nn.Module) -> bool:
    hooks = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
    return any(getattr(module, name, None) for name in hooks)


def _convert(conv: _ConvNd, with_r: bool, coords: CoordEncoding) -> nn.Module:
    """``from_conv`` for a plain torch convolution, a wrapper for a subclass or for a plain one
    with hooks (e.g. the legacy ``weight_norm``, a pre-forward hook), which a new layer would lose."""
    layer = COORDCONV_FOR.get(type(conv))
    if layer is None or _has_hooks(conv):
        return CoordConvWrapper(conv, with_r=with_r, coords=coords)
    assert issubclass(layer, _CoordConvNd)
    return layer.from_conv(conv, with_r=with_r, coords=coords)


def convert_to_coordconv(
    module: nn.Module,
    layers: Selector = "first",
    with_r: bool = False,
    *,
    coords: str | CoordEncoding = "minus_one_one",
    subclasses: Literal["wrap", "skip"] = "wrap",
) -> nn.Module:
    """Replace convolutions of ``module`` by CoordConv layers that compute the same function.

    Args:
        module: any model; it is changed in place (and returned). If ``module`` is itself a
            selected convolution, the new layer is returned instead.
        layers: which convolutions (``nn.Conv1d/2d/3d`` and ``nn.ConvTranspose1d/2d/3d`` and,
            with ``subclasses="wrap"``, their subclasses, in ``named_modules()`` order, i.e.
            registration order) to replace: ``"first"``: the first one (for torchvision's
            ResNet-50, ``conv1``); ``"all"``: every one (grouped and depthwise included); a
            predicate ``(name, conv) -> bool``: those it accepts (name as in
            ``named_modules()``). Layers already converted (CoordConv layers, wrapped
            convolutions) are never selected again.
        with_r: add the radius channel too.
        coords: the coordinate encoding (:mod:`coordconv_core.encoding`).
        subclasses: ``"wrap"``: subclasses of the torch classes are wrapped in
            :class:`~coordconv_core.wrapper.CoordConvWrapper` (their forward keeps running);
            ``"skip"``: they are never selected (what earlier versions did).

    Returns:
        ``module`` with the selected layers replaced. Their coordinate weights are zero, so the
        outputs are unchanged until training moves them. A plain convolution with forward or
        backward hooks (the legacy ``nn.utils.weight_norm`` is one) is wrapped like a subclass,
        so its hooks keep running.

    Raises:
        ValueError: if nothing is selected, if ``layers``, ``subclasses`` or ``coords`` is not a
            valid choice, or for ``with_r`` with Fourier features.
    """
    if not (callable(layers) or layers in ("first", "all")):
        raise ValueError(
            f"layers must be 'first', 'all' or a predicate (name, module) -> bool, got {layers!r}"
        )
    if subclasses not in ("wrap", "skip"):
        raise ValueError(f"subclasses must be 'wrap' or 'skip', got {subclasses!r}")
    encoding = as_encoding(coords)
    encoding.check_with_r(with_r)
    convs = list(_candidates(module, subclasses))
    if layers == "first":
        chosen = convs[:1]
    elif layers == "all":
        chosen = convs
    else:
        chosen = [(name, m) for name, m in convs if layers(name, m)]
    if not chosen:
        raise ValueError(f"convert_to_coordconv(layers={layers!r}) selected no convolution")
    replacement = {id(m): _convert(m, with_r, encoding) for _, m in chosen}
    if id(module) in replacement:
        return replacement[id(module)]
    # Walk every parent (including shared submodules) so a conv registered twice is replaced everywhere.
    for parent in list(module.modules()):
        for child_name, child in list(parent.named_children()):
            if id(child) in replacement and replacement[id(child)] is not parent:
                setattr(parent, child_name, replacement[id(child)])
    return module
