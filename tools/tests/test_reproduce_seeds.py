"""Per-seed summaries: values, mean +- std, success rate and verdicts that name the failing seeds."""

from __future__ import annotations

import pytest
from reproduction.seeds import Bar, count, mean_std, per_seed, success, verdict


def test_per_seed_and_spread():
    values = {2: 0.89, 0: 1.0, 1: 1.0}
    assert per_seed(values) == "1.000 / 1.000 / 0.890"
    assert mean_std(values) == "0.963 ± 0.064"  # stdev of (1, 1, 0.89) = 0.0635
    assert mean_std({0: 0.118}) == "0.118"
    assert success(values, Bar(1.0)) == "2/3"


def test_verdicts_of_a_claim():
    bar = Bar(0.99)
    assert verdict({0: 1.0, 1: 0.995, 2: 0.99}, bar, True) == "reproduced (3/3 seeds)"
    assert verdict({0: 1.0, 1: 0.5, 2: 0.99}, bar, True) == "partly: 2/3 seeds (seed 1: 0.500)"
    assert verdict({0: 0.2}, bar, True) == "not reproduced (0/1 seeds)"
    diffs = {0: 0.01, 1: -0.022}
    assert verdict(diffs, Bar(0.0), True, 3, "CoordConv - conv") == (
        "partly: 1/2 seeds (seed 1: CoordConv - conv = -0.022)"
    )


def test_verdicts_of_a_failing_baseline():
    bar = Bar(1.0)
    assert verdict({0: 0.118}, bar, False) == "fails as in the paper (1/1 seeds)"
    assert verdict({0: 1.0, 1: 0.3}, bar, False) == "partly: 1/2 seeds (seed 0: 1.000)"


def test_lower_is_better_bar():
    bar = Bar(0.0, higher_is_better=False)  # e.g. CoordConv loss minus conv loss
    assert bar.reached(-0.1)
    assert not bar.reached(0.2)
    assert not bar.reached(float("nan"))
    assert str(bar) == "<= 0"


@pytest.mark.parametrize("value", [None, float("nan")])
def test_missing_values_never_reach_the_bar(value):
    assert not Bar(0.5).reached(value)


def test_count():
    assert count(1, "seed") == "1 seed"
    assert count(3, "epoch") == "3 epochs"
