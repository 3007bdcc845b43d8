"""Per-seed summaries: values, mean +- std and success rate (the bars and verdicts are the
packages' own: packages/coordconv-vision/tests/test_vision_paper.py)."""

from __future__ import annotations

from reproduction.seeds import count, mean_std, per_seed, success

from coordconv_vision.paper import Bar


def test_per_seed_and_spread():
    values = {2: 0.89, 0: 1.0, 1: 1.0}
    assert per_seed(values) == "1.000 / 1.000 / 0.890"
    assert mean_std(values) == "0.963 ± 0.064"  # stdev of (1, 1, 0.89) = 0.0635
    assert mean_std({0: 0.118}) == "0.118"
    assert success(values, Bar(1.0)) == "2/3"
    assert success({0: None, 1: float("nan")}, Bar(0.5)) == "0/2"


def test_count():
    assert count(1, "seed") == "1 seed"
    assert count(3, "epoch") == "3 epochs"
