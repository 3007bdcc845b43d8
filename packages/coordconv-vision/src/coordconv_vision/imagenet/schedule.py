"""Learning-rate schedules of the standard ResNet recipe, as pure functions of the step (S5)."""

from __future__ import annotations

import math

STEP_MILESTONES = (30, 60, 80)  # epochs at which the step schedule multiplies the rate by 0.1


def lr_factor(
    epoch: float, *, total_epochs: int, schedule: str = "step", warmup_epochs: float = 0.0
) -> float:
    """Multiplier of the peak learning rate at fractional ``epoch`` (``step / steps_per_epoch``).

    ``step``: 0.1 ** (number of milestones 30, 60, 80 passed, scaled by ``total_epochs / 90``);
    ``cosine``: ``0.5 * (1 + cos(pi * epoch / total_epochs))``. A linear warm-up from 0 over
    ``warmup_epochs`` multiplies either.
    """
    if schedule == "step":
        scale = total_epochs / 90
        factor = 0.1 ** sum(epoch >= m * scale for m in STEP_MILESTONES)
    elif schedule == "cosine":
        factor = 0.5 * (1 + math.cos(math.pi * min(epoch / total_epochs, 1.0)))
    else:
        raise ValueError(f"unknown schedule {schedule!r}; choose step or cosine")
    if warmup_epochs > 0 and epoch < warmup_epochs:
        factor *= epoch / warmup_epochs
    return factor
