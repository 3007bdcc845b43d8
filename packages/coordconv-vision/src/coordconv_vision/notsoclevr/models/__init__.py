"""Models for the Not-so-Clevr tasks and :func:`build_model`, the (task, model, split) table."""

from __future__ import annotations

from torch import nn

from coordconv_core import CoordConv2d
from coordconv_vision.notsoclevr.models.deconv import DeconvPainter
from coordconv_vision.notsoclevr.models.init import INITS_FOR_MODEL, PAINTER_INIT_FNS, PAINTER_INITS
from coordconv_vision.notsoclevr.models.linear_stack import LinearConvStack
from coordconv_vision.notsoclevr.models.painter import CoordConvPainter
from coordconv_vision.notsoclevr.models.regressor import (
    conv_quadrant,
    conv_uniform,
    coordconv_regressor,
    coordconv_softargmax_regressor,
    official_init_,
    tf_he_normal_,
)
from coordconv_vision.notsoclevr.models.renderer import WHERE_LOSSES, CoordConvRenderer
from coordconv_vision.notsoclevr.models.softargmax import SoftArgmax2d

# task -> the --model choices it accepts
MODELS_FOR_TASK: dict[str, tuple[str, ...]] = {
    "classification": ("coordconv", "deconv"),
    "regression": ("coordconv", "conv"),
    "rendering": ("coordconv", "deconv"),
}
# --readout of a regressor: softargmax = ours (CoordConv: 908 parameters), max = the paper's
# global max pool (CoordConv: 906), both on table S1's five CoordConv layers; table-s1 = table S1's
# conv net for the split with its own read-out (--model conv only: the paper's conv baseline)
REGRESSION_READOUTS = ("softargmax", "max", "table-s1")
# --readout softargmax / max -> the regressor of those five layers, given their first layer
STACK_REGRESSORS = {"softargmax": coordconv_softargmax_regressor, "max": coordconv_regressor}
# --model -> the first layer of the five-layer stack: CoordConv, or for the control the same
# layer without coordinate channels (the same layers, read-out, init and training otherwise)
FIRST_LAYERS: dict[str, type[nn.Conv2d]] = {"coordconv": CoordConv2d, "conv": nn.Conv2d}
# --model -> its read-out when none is given
DEFAULT_READOUTS = {"coordconv": "softargmax", "conv": "table-s1"}


def build_model(
    task: str,
    model: str,
    split: str,
    *,
    filter_size: int = 2,
    channel_mult: int = 1,
    where_loss: str = "none",
    init: str = "torch",
    readout: str | None = None,
) -> nn.Module:
    """The model of the paper for ``task``/``model``; ``split`` picks table S1's conv regressor.

    ``where_loss`` applies to the CoordConv rendering model only (:data:`WHERE_LOSSES`); ``init``
    (:data:`PAINTER_INITS`, :mod:`~coordconv_vision.notsoclevr.models.init`) to the classification
    and rendering models (:data:`INITS_FOR_MODEL`; the regressors always start as the official code's);
    ``readout`` to the regressors (:data:`REGRESSION_READOUTS`; ``None``: the model's
    :data:`DEFAULT_READOUTS`): ``softargmax`` and ``max`` read out table S1's five CoordConv
    layers, whose first layer is :data:`FIRST_LAYERS` of ``model`` (``conv``: the control without
    coordinate channels); ``table-s1`` is table S1's conv net for ``split`` (``conv`` only).

    Raises ``ValueError`` for a combination the paper does not have.
    """
    if model not in MODELS_FOR_TASK.get(task, ()):
        choices = ", ".join(MODELS_FOR_TASK.get(task, ()))
        raise ValueError(f"--model {model} does not apply to task {task!r} (choose {choices})")
    if init not in PAINTER_INITS:
        raise ValueError(f"init must be one of {PAINTER_INITS}, got {init!r}")
    if task != "regression" and init not in INITS_FOR_MODEL[model]:
        raise ValueError(f"init {init!r} does not apply to --model {model}")
    initialise = PAINTER_INIT_FNS[init]
    if model == "deconv":
        return initialise(DeconvPainter(filter_size, channel_mult))
    if task == "classification":
        return initialise(CoordConvPainter(64, channel_mult, CoordConv2d))
    if task == "rendering":
        return initialise(CoordConvRenderer(64, filter_size, channel_mult, CoordConv2d, where_loss))
    readout = readout or DEFAULT_READOUTS[model]
    if readout == "table-s1" and model == "conv":
        return conv_quadrant() if split == "quadrant" else conv_uniform()
    if readout not in STACK_REGRESSORS:
        raise ValueError(
            f"readout for --model {model} must be one of {tuple(STACK_REGRESSORS)}"
            f"{' or table-s1' if model == 'conv' else ''}, got {readout!r}"
        )
    return STACK_REGRESSORS[readout](FIRST_LAYERS[model])


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = [
    "DEFAULT_READOUTS",
    "FIRST_LAYERS",
    "INITS_FOR_MODEL",
    "MODELS_FOR_TASK",
    "PAINTER_INITS",
    "REGRESSION_READOUTS",
    "STACK_REGRESSORS",
    "WHERE_LOSSES",
    "CoordConvPainter",
    "CoordConvRenderer",
    "DeconvPainter",
    "LinearConvStack",
    "SoftArgmax2d",
    "build_model",
    "conv_quadrant",
    "conv_uniform",
    "coordconv_regressor",
    "coordconv_softargmax_regressor",
    "count_parameters",
    "official_init_",
    "tf_he_normal_",
]
