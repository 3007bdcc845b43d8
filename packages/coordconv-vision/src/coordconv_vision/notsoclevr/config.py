"""The config of one Not-so-Clevr training run, and the paper's defaults per task and model.

Fields left at ``None`` take the paper's setting for the chosen task and model
(:data:`PAPER_DEFAULTS`, from S2-S4, table S1 and the official experiment commands); the resolved
values are what ``config.json`` records. Two defaults depart from the paper, both labelled in
``--help`` and the package README:

- the CoordConv painter (classification, and the rendering model's where map) starts
  translation-equivariant (``init="equivariant"``, :data:`PAINTER_INIT`; ``--init official`` is
  the official code's he_normal, ``--init torch`` PyTorch's default): from PyTorch's default
  init about 3 seeds in 10 ended with the argmax one pixel or more off in the far part of the
  unseen quadrant, because a random tilt per first-layer unit moves its ReLU kink with the
  absolute position (:meth:`~coordconv_vision.notsoclevr.models.CoordConvPainter.init_translation_equivariant_`);
- the CoordConv rendering model trains its where map with the classification loss
  (``where_loss="separate"``, filter size 3; see :mod:`coordconv_vision.notsoclevr.models.renderer`),
  because the paper's end-to-end model reached 0.95-0.99 test IOU on the quadrant split
  depending on the seed here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coordconv_train import UserError
from coordconv_train.config import LEARNING_RATE
from coordconv_train.option import option
from coordconv_train.tracking import LOG_WITH_HELP
from coordconv_vision.notsoclevr.models import (
    INITS_FOR_MODEL,
    MODELS_FOR_TASK,
    PAINTER_INITS,
    REGRESSION_READOUTS,
    WHERE_LOSSES,
)

# a channel multiplier's bounds: the paper's figure S1 uses 1-3; past 64 the models no longer
# fit in memory, so a larger value is a typo, refused before anything is allocated
CHANNEL_MULT: dict[str, int] = {"min": 1, "max": 64}
TRAIN_FRACTION = 0.8  # the paper's uniform split: 80% train / 20% test (S2)

# (task, model) -> defaults. CoordConv: no schedule, converges in a few epochs (S2, S4).
# Deconv/conv baselines: the paper's schedule (1000 epochs, lr x0.1 every 200, S2).
PAPER_DEFAULTS: dict[tuple[str, str], dict[str, Any]] = {
    ("classification", "coordconv"): {"epochs": 2, "lr": 0.005, "wd": 0.0, "batch_size": 32, "lr_step": 0, "filter_size": 1, "channel_mult": 1, "where_loss": "none"},
    ("classification", "deconv"): {"epochs": 1000, "lr": 0.01, "wd": 0.001, "batch_size": 32, "lr_step": 200, "filter_size": 2, "channel_mult": 1, "where_loss": "none"},
    # not the paper's end-to-end model: see the module docstring (--filter-size 2 --where-loss none is)
    ("rendering", "coordconv"): {"epochs": 2, "lr": 0.005, "wd": 0.0, "batch_size": 32, "lr_step": 0, "filter_size": 3, "channel_mult": 1, "where_loss": "separate"},
    ("rendering", "deconv"): {"epochs": 1000, "lr": 0.01, "wd": 0.001, "batch_size": 32, "lr_step": 200, "filter_size": 2, "channel_mult": 2, "where_loss": "none"},
    # not the paper's model: the soft-argmax read-out (--readout max is the paper's), at the
    # official command's Adam lr 0.01 and L2 1e-5 (--wd is torch's: 2 x the official --l2)
    ("regression", "coordconv"): {"epochs": 5, "lr": 0.01, "wd": 0.00002, "batch_size": 32, "lr_step": 0, "filter_size": 1, "channel_mult": 1, "where_loss": "none", "readout": "softargmax"},
    # table S1's conv net (--readout table-s1). S3: Adam lr 5e-4, weight decay 5e-4 (the official
    # --l2 5e-4: loss + 5e-4 sum w^2)
    ("regression", "conv"): {"epochs": 50, "lr": 0.0005, "wd": 0.001, "batch_size": 32, "lr_step": 0, "filter_size": 3, "channel_mult": 1, "where_loss": "none", "readout": "table-s1"},
}  # fmt: skip
# --readout max: the paper's 906-parameter model at the official command (experiment_logs.sh:
# Adam lr 0.01, --l2 1e-5, 100 epochs, train.py's default minibatch of 256). --model conv with
# --readout softargmax or max is the CoordConv regressor's control (its layers without the
# coordinate channels), so it takes the CoordConv regressor's defaults for that read-out.
OFFICIAL_REGRESSOR_DEFAULTS: dict[str, Any] = {"epochs": 100, "lr": 0.01, "wd": 0.00002, "batch_size": 256}  # fmt: skip

# The default --init per (task, model). The CoordConv painter's (classification; the renderer's
# where map) is ours, not the paper's (the official code's he_normal is --init official): see
# --init and the package README for why. The deconv baselines keep PyTorch's default; the
# regressors are always built with the official init (models.regressor.official_init_), the only
# one they accept.
PAINTER_INIT: dict[tuple[str, str], str] = {
    ("classification", "coordconv"): "equivariant",
    ("rendering", "coordconv"): "equivariant",
    ("classification", "deconv"): "torch",
    ("rendering", "deconv"): "torch",
    ("regression", "coordconv"): "official",
    ("regression", "conv"): "official",
}


@dataclass
class NotSoClevrConfig:
    """One supervised Not-so-Clevr run (paper section 4, S1-S4)."""

    task: str = option(
        "classification",
        "which supervised task",
        choices=["classification", "regression", "rendering"],
    )
    model: str = option(
        "coordconv",
        "coordconv; deconv (classification, rendering); conv (regression: table S1's conv model for the split)",
        choices=["coordconv", "deconv", "conv"],
    )
    split: str = option(
        "uniform",
        "uniform: random 80/20; quadrant: test is x > 32 and y > 32",
        choices=["uniform", "quadrant"],
    )
    epochs: int | None = option(None, "training epochs (None: the paper's setting for task/model)")
    lr: float | None = option(None, "Adam learning rate (None: paper default)", **LEARNING_RATE)
    wd: float | None = option(None, "L2 weight decay on conv/linear weights (None: paper default)")
    batch_size: int | None = option(None, "minibatch size (None: 32)")
    lr_step: int | None = option(
        None,
        "multiply the lr by --lr-gamma every this many epochs; 0: constant (None: paper default)",
    )
    lr_gamma: float = option(0.1, "lr decay factor of the step schedule")
    filter_size: int | None = option(
        None,
        "deconv filter size 2/3/4, or the rendering painting convs' size (None: paper default)",
    )
    channel_mult: int | None = option(
        None, "channel multiplier c of figure S1 (None: paper default)", **CHANNEL_MULT
    )
    where_loss: str | None = option(
        None,
        "CoordConv rendering only: none = the paper's end-to-end model; joint = also the "
        "classification loss on the where map (official --interm_loss softmax); separate = that, "
        "with the rendering loss stopped at the where map (unset: separate for the CoordConv "
        "renderer, none otherwise)",
        choices=list(WHERE_LOSSES),
    )
    init: str | None = option(
        None,
        "painter init (classification, rendering). torch: PyTorch's default; official: the "
        "official code's (Keras he_normal kernels, zero biases; CoordConv and deconv); "
        "equivariant (CoordConv only): PyTorch's default, then the first layer's coordinate "
        "weights set to minus its (x, y) weights, so every unit starts as a function of the "
        "offset (x - i, y - j). NOT the paper's: from PyTorch's default a random tilt "
        "w_xy + w_coord per unit moves its ReLU kink with the absolute position, and on the "
        "quadrant split about 3 seeds in 10 end with the argmax a pixel or more off in the "
        "unseen quadrant (package README). Regression models always start as the official "
        "code's (None: equivariant for CoordConv classification and rendering, torch for "
        "deconv, official for regression)",
        choices=list(PAINTER_INITS),
    )
    readout: str | None = option(
        None,
        "regression only: softargmax = OUR model, not the paper's: table S1's CoordConv "
        "layers read out by a soft-argmax over pixels + a learned offset (908 parameters); "
        "max = the paper's 906-parameter model (global max pool, the official code), "
        "perfect on only 1-4 of 10 seeds here; its defaults are the official command's "
        "(100 epochs, batch 256). With --model conv, softargmax and max are the control: the "
        "same layers, read-out, init and defaults with a plain first conv (no coordinate "
        "channels; 892 and 890 parameters); table-s1 = table S1's conv net for the split, "
        "the paper's conv baseline (unset: softargmax for coordconv, table-s1 for conv)",
        choices=list(REGRESSION_READOUTS),
    )
    raw_coords: bool = option(
        False,
        "feed raw integer pixel coordinates as the official code did, instead of [-1, 1]",
    )
    train_fraction: float = option(
        TRAIN_FRACTION, "train fraction of the uniform split (the quadrant split is fixed)"
    )
    val_fraction: float = option(0.0, "fraction of the train split held out for validation")
    train_limit: int = option(
        0, "train on only the first N training examples (0: all); for smoke tests"
    )
    eval_every: int = option(1, "evaluate val/test metrics every this many epochs")
    seed: int = option(0, "random seed (initialisation and batch order)")
    device: str = option("auto", "auto, cpu or cuda", choices=["auto", "cpu", "cuda"])
    amp: bool = option(
        True, "mixed precision on GPU (bf16/fp16 through Accelerate); CPU always runs fp32"
    )
    figures: bool = option(True, "write the PNG figures at the end")
    progress: bool = option(True, "show a tqdm progress bar")
    log_with: list[str] = field(default_factory=list, metadata={"help": LOG_WITH_HELP})
    out: Path = field(default=Path("runs/notsoclevr"), metadata={"help": "run directory"})
    resume: bool = option(False, "continue the run in --out from its checkpoint")
    overwrite: bool = option(False, "replace a previous run in --out")


def resolve(config: NotSoClevrConfig) -> NotSoClevrConfig:
    """Check the combination and fill ``None`` fields with the paper's defaults."""
    if config.model not in MODELS_FOR_TASK[config.task]:
        choices = ", ".join(MODELS_FOR_TASK[config.task])
        raise UserError(
            f"--model {config.model} does not apply to --task {config.task} (choose {choices})"
        )
    regression = config.task == "regression"
    if config.readout is not None and not regression:
        raise UserError("--readout applies only to --task regression")
    if config.readout == "table-s1" and config.model != "conv":
        raise UserError("--readout table-s1 applies only to --model conv (table S1's conv net)")
    # a read-out of table S1's five layers: the CoordConv regressor or its control, one recipe
    stack = regression and config.readout in ("softargmax", "max")
    defaults = dict(
        PAPER_DEFAULTS[("regression", "coordconv") if stack else (config.task, config.model)]
    )
    if config.readout == "max":
        defaults.update(OFFICIAL_REGRESSOR_DEFAULTS)
    filled = {k: v for k, v in defaults.items() if getattr(config, k) is None}
    config = dataclasses.replace(config, **filled)
    if config.init is None:
        config = dataclasses.replace(config, init=PAINTER_INIT[(config.task, config.model)])
    if config.task == "regression" and config.init != "official":
        raise UserError(
            f"--init {config.init} does not apply to --task regression (its models always "
            "start as the official code's: --init official)"
        )
    if config.task != "regression" and config.init not in INITS_FOR_MODEL[config.model]:
        raise UserError(
            f"--init {config.init} applies only to the CoordConv painter (--model coordconv, "
            "--task classification or rendering)"
        )
    if config.readout == "softargmax" and config.raw_coords:
        raise UserError("--raw-coords does not apply to --readout softargmax (it reads [-1, 1])")
    if config.where_loss != "none" and (config.task, config.model) != ("rendering", "coordconv"):
        raise UserError("--where-loss applies only to --task rendering --model coordconv")
    if config.model == "deconv" and config.filter_size not in (2, 3, 4):
        raise UserError(
            f"--filter-size must be 2, 3 or 4 for deconv models, got {config.filter_size}"
        )
    checks = {
        "--epochs": config.epochs >= 1,  # type: ignore[operator]
        "--lr": config.lr > 0,  # type: ignore[operator]
        "--wd": config.wd >= 0,  # type: ignore[operator]
        "--batch-size": config.batch_size >= 1,  # type: ignore[operator]
        "--lr-step": config.lr_step >= 0,  # type: ignore[operator]
        "--filter-size": config.filter_size >= 1,  # type: ignore[operator]
        "--channel-mult": config.channel_mult >= 1,  # type: ignore[operator]
        "--eval-every": config.eval_every >= 1,
        "--train-limit": config.train_limit >= 0,
        "--train-fraction": 0 < config.train_fraction < 1,
        "--val-fraction": 0 <= config.val_fraction < 0.5,
    }
    bad = [flag for flag, ok in checks.items() if not ok]
    if bad:
        raise UserError(f"invalid value for {', '.join(bad)}")
    if config.split == "quadrant" and config.train_fraction != TRAIN_FRACTION:
        raise UserError("--train-fraction applies only to --split uniform (quadrant is fixed)")
    return config
