"""Per-seed results of a claim: values, mean +- std, success rate and a plain verdict.

A claim is a property of the method, so the reproduction runs it on seeds fixed in advance
(``presets.py``) and reports every seed: ``1.000 / 1.000 / 0.890``, ``0.963 ± 0.064``,
``2/3`` seeds reaching the paper's bar, and a verdict that says so when a row holds on some
seeds and not on others.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """The paper's bar for a metric: ``value >= bar`` (or ``<=`` when lower is better)."""

    value: float
    higher_is_better: bool = True

    def reached(self, x: float) -> bool:
        if x is None or math.isnan(x):
            return False
        return x >= self.value if self.higher_is_better else x <= self.value

    def __str__(self) -> str:
        return f"{'>=' if self.higher_is_better else '<='} {self.value:g}"


def per_seed(values: Mapping[int, float], digits: int = 3) -> str:
    """``1.000 / 1.000 / 0.890`` in seed order."""
    return " / ".join(_num(values[s], digits) for s in sorted(values))


def mean_std(values: Mapping[int, float], digits: int = 3) -> str:
    """``0.963 ± 0.064`` (sample std over seeds), or the value itself for one seed."""
    xs = [values[s] for s in sorted(values) if values[s] is not None]
    if not xs:
        return "—"
    if len(xs) == 1:
        return _num(xs[0], digits)
    return f"{_num(statistics.fmean(xs), digits)} ± {_num(statistics.stdev(xs), digits)}"


def success(values: Mapping[int, float], bar: Bar) -> str:
    """``2/3``: seeds whose value reaches the bar."""
    return f"{sum(bar.reached(v) for v in values.values())}/{len(values)}"


def verdict(
    values: Mapping[int, float],
    bar: Bar,
    expect_reached: bool,
    digits: int = 3,
    name: str = "",
) -> str:
    """Whether the seeds agree with the paper: the method reaches ``bar`` (``expect_reached``)
    or, for a baseline the paper shows failing, does not. Names the seeds that disagree and
    their value (``name`` says what the value is, e.g. ``CoordConv - conv``)."""
    hits = {s: bar.reached(v) for s, v in values.items()}
    agree = [s for s in sorted(values) if hits[s] == expect_reached]
    n = len(values)
    if len(agree) == n:
        return (
            f"reproduced ({n}/{n} seeds)"
            if expect_reached
            else f"fails as in the paper ({n}/{n} seeds)"
        )
    if not agree:
        return (
            f"not reproduced (0/{n} seeds)"
            if expect_reached
            else f"reaches the bar on {n}/{n} seeds (the paper's baseline did not)"
        )
    label = f"{name} = " if name else ""
    others = ", ".join(
        f"seed {s}: {label}{_num(values[s], digits)}" for s in sorted(values) if s not in agree
    )
    return f"partly: {len(agree)}/{n} seeds ({others})"


def count(n: int, noun: str) -> str:
    """``1 seed``, ``3 seeds``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _num(x: float | None, digits: int) -> str:
    if x is None:
        return "—"
    return f"{x:.{digits}f}"
