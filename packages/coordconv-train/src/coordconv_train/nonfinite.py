"""A non-finite loss stops a run cleanly: one line naming the step, the last good checkpoint
kept, no ``results.json`` (:meth:`coordconv_train.Run.check_finite`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from coordconv_train.errors import UserError


class NonFiniteLoss(UserError):
    """The loss became NaN or infinite; the run stops (exit 2) and keeps its last checkpoint."""


def non_finite(values: float | Mapping[str, Any]) -> dict[str, float]:
    """The entries of ``values`` (one number, or named numbers) that are NaN or infinite."""
    items = values.items() if isinstance(values, Mapping) else [("loss", values)]
    bad = {}
    for name, value in items:
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue  # not a number (a label, a list): nothing to check
        if not math.isfinite(number):
            bad[str(name)] = number
    return bad


def state_is_finite(state: Any) -> bool:
    """Every floating tensor and float in a checkpoint's state (nested dicts, lists) is
    finite: the weights themselves, which a huge but finite loss can already have ruined."""
    import torch

    if isinstance(state, torch.Tensor):
        return not state.is_floating_point() or bool(torch.isfinite(state).all())
    if isinstance(state, float):
        return math.isfinite(state)
    if isinstance(state, Mapping):
        return all(state_is_finite(v) for v in state.values())
    if isinstance(state, list | tuple):
        return all(state_is_finite(v) for v in state)
    return True


def describe_where(where: Mapping[str, Any]) -> str:
    """``{"step": 7, "epoch": 1}`` -> ``"step 7 (epoch 1)"``."""
    parts = [f"{k} {v}" for k, v in where.items()]
    return f"{parts[0]} ({', '.join(parts[1:])})" if len(parts) > 1 else "".join(parts)


def message(bad: Mapping[str, float], where: str, checkpoint: str | None, path: Any) -> str:
    """The one line a stopped run prints (after ``<prog>: error:``)."""
    what = ", ".join(
        f"the loss became {value}" if name == "loss" else f"{name} became {value}"
        for name, value in bad.items()
    )
    kept = (
        f"the last good checkpoint ({checkpoint}) is kept in {path}"
        if checkpoint is not None
        else f"no checkpoint was written yet ({path} restarts at the beginning on --resume)"
    )
    if not bad:  # another process of a multi-process run saw it
        what = "the loss became non-finite on another process"
    return (
        f"{what} at {where}; {kept}, no results written; lower --lr (or check the data) and "
        "start over with --overwrite"
    )
