"""Per-seed results of a claim as the report writes them: values, mean +- std, success rate.

A claim is a property of the method, so the reproduction runs it on seeds fixed in advance
(``presets.py``) and reports every seed: ``1.000 / 1.000 / 0.890``, ``0.963 ± 0.064``,
``2/3`` seeds reaching the paper's bar. The bars and the verdicts are the packages' own
(``coordconv_vision.paper``, ``coordconv_generative.paper``, ``coordconv_rl.paper``).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coordconv_vision.paper import Bar


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


def count(n: int, noun: str) -> str:
    """``1 seed``, ``3 seeds``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _num(x: float | None, digits: int) -> str:
    if x is None:
        return "—"
    return f"{x:.{digits}f}"
