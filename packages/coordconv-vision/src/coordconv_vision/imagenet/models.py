"""ImageNet classifiers: ResNet-50, CoordConv ResNet-50 (S5, table S2) and converted models.

- ``resnet50``: torchvision's ResNet-50, random initialisation (weights are never downloaded).
- ``coordconv-resnet50``: the paper's variant, ResNet-50 whose ``conv1`` is a
  :class:`~coordconv_vision.imagenet.stem.CoordConvStem` (1x1 CoordConv RGB + i, j, r -> 8
  channels, then the 7x7 conv over 8 channels).
- any other torchvision classification model by name (``resnet18``, ``mobilenet_v3_small``, ...),
  optionally turned into a CoordConv model with ``coordconv_core.convert_to_coordconv`` (coordinate
  weights zero-initialised, so it starts computing exactly what the given weights computed).
"""

from __future__ import annotations

from pathlib import Path

import torchvision
from torch import nn

from coordconv_train import UserError
from coordconv_vision.imagenet.stem import CoordConvStem

PAPER_MODELS = ("resnet50", "coordconv-resnet50")
CONVERT_CHOICES = ("none", "first", "all")


def classification_models() -> list[str]:
    """Names accepted by ``--model``: the paper's two plus torchvision's classifiers."""
    return sorted(set(PAPER_MODELS) | set(torchvision.models.list_models(torchvision.models)))


def coordconv_resnet50(*, num_classes: int = 1000) -> nn.Module:
    """ResNet-50 with the paper's 1x1 CoordConv (RGB + i, j, r -> 8 channels) in front."""
    model = torchvision.models.resnet50(weights=None, num_classes=num_classes)
    model.conv1 = CoordConvStem(3, 8, model.conv1.out_channels)
    return model


def load_weights(model: nn.Module, path: str | Path) -> None:
    """Load a ``.safetensors`` state dict into ``model`` (strict; clear error on mismatch)."""
    from safetensors.torch import load_file

    path = Path(path)
    if path.suffix != ".safetensors":
        raise UserError(f"--weights must be a .safetensors file, got {path}")
    if not path.is_file():
        raise UserError(f"weights file {path} does not exist")
    try:
        state = load_file(str(path))
    except Exception as exc:  # safetensors' own error types for damaged files
        raise UserError(f"cannot read weights {path}: {exc}") from exc
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shape mismatch (e.g. another number of classes)
        raise UserError(f"weights {path} do not fit the model: {exc}") from exc
    if missing or unexpected:
        raise UserError(
            f"weights {path} do not fit the model: missing {sorted(missing)[:5]}, "
            f"unexpected {sorted(unexpected)[:5]}"
        )


def build_classifier(
    name: str,
    *,
    num_classes: int,
    convert: str = "none",
    weights: str | Path | None = None,
) -> nn.Module:
    """Build classifier ``name``; load ``weights`` (before conversion); convert if asked.

    ``convert`` is ``none``, ``first`` (the first conv becomes a CoordConv) or ``all``.
    """
    if convert not in CONVERT_CHOICES:
        raise UserError(
            f"unknown --convert {convert!r}; choose one of {', '.join(CONVERT_CHOICES)}"
        )
    if name == "coordconv-resnet50":
        if convert != "none":
            raise UserError(
                "coordconv-resnet50 already has its CoordConv layer; use --convert none"
            )
        model = coordconv_resnet50(num_classes=num_classes)
    elif name in torchvision.models.list_models(torchvision.models):
        model = torchvision.models.get_model(name, weights=None, num_classes=num_classes)
    else:
        raise UserError(
            f"unknown model {name!r}; choose resnet50, coordconv-resnet50 or a torchvision classifier"
        )
    if weights is not None:
        load_weights(model, weights)
    if convert != "none":
        from coordconv_core import convert_to_coordconv

        converted = convert_to_coordconv(model, layers=convert)
        model = converted if converted is not None else model
    return model


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
