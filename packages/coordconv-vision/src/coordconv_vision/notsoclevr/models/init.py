"""The painters' initialisations, ``--init`` (paper S2, S4; the official ``model_builders.py``).

Three starting points for the classification and rendering models, each a callable that
initialises a built model in place and returns it (:data:`PAINTER_INIT_FNS`):

- ``torch``: PyTorch's default (kaiming-uniform kernels with a = sqrt(5), uniform biases);
- ``official``: the official code's. Every conv and transposed conv of its ``CoordConvPainter``,
  ``CoordConvImagePainter`` (the rendering model) and ``DeconvPainter`` passes
  ``kernel_initializer=he_normal`` with the default zero bias: TF/Keras ``he_normal``, a normal
  truncated at 2 std whose std is ``sqrt(2 / fan_in) / 0.8796...`` (:func:`tf_he_normal_`, shared
  with the regressor's :func:`official_init_`). Keras's ``fan_in`` of a transposed conv is its
  kernel area times its *output* channels, which is ``weight[0].numel()`` of torch's
  ``(in, out, k, k)`` layout too. BatchNorm keeps scale 1, shift 0, as in Keras;
- ``equivariant`` (ours, not the paper's): PyTorch's default, then the CoordConv painter's first
  coordinate weights set to minus its (x, y) weights
  (:meth:`~coordconv_vision.notsoclevr.models.painter.CoordConvPainter.init_translation_equivariant_`).
  It needs coordinate channels, so it applies to the CoordConv models only (:data:`INITS_FOR_MODEL`).
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from coordconv_vision.notsoclevr.models.painter import CoordConvPainter
from coordconv_vision.notsoclevr.models.regressor import official_init_, tf_he_normal_

# --init choices, in the order --help lists them
PAINTER_INITS = ("torch", "equivariant", "official")


def official_painter_init_(model: nn.Module) -> nn.Module:
    """The official code's init: every conv and transposed-conv kernel ``he_normal``, biases zero."""
    official_init_(model)  # every nn.Conv2d (CoordConv2d included)
    for module in model.modules():
        if isinstance(module, nn.ConvTranspose2d):  # official_init_ covers Conv2d and Linear only
            tf_he_normal_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model


def equivariant_init_(model: nn.Module) -> nn.Module:
    """Ours: every CoordConv painter in ``model`` starts translation-equivariant (see module doc)."""
    painters = [m for m in model.modules() if isinstance(m, CoordConvPainter)]
    if not painters:
        raise ValueError("the equivariant init needs a CoordConv painter")
    for painter in painters:
        painter.init_translation_equivariant_()
    return model


def torch_init_(model: nn.Module) -> nn.Module:
    """PyTorch's default: the layers as constructed."""
    return model


PAINTER_INIT_FNS: dict[str, Callable[[nn.Module], nn.Module]] = {
    "torch": torch_init_,
    "equivariant": equivariant_init_,
    "official": official_painter_init_,
}
# --model -> the --init choices its classification and rendering models accept
INITS_FOR_MODEL: dict[str, tuple[str, ...]] = {
    "coordconv": PAINTER_INITS,
    "deconv": ("torch", "official"),
}
