"""The GAN section's test of figure S10's sentence: a seed counts only when both GANs draw
both objects, and each half of the sentence (coverage closer to the data, relative positions
more collapsed) is judged on its own."""

from __future__ import annotations

from reproduction.generative import _drew_both, _s10_finding, _s10_verdict


def _source(coverage: float, relative: float) -> dict:
    return {"coverage": {"mean": coverage}, "relative_position": {"mean": relative}}


REAL = _source(6.8, 7.6)


def test_a_seed_counts_only_when_both_gans_clear_the_floors():
    assert _drew_both({"detect_rate": 0.3, "centre_spread_px": 4.0})
    assert not _drew_both({"detect_rate": 0.29, "centre_spread_px": 12.0})
    assert not _drew_both({"detect_rate": 1.0, "centre_spread_px": 0.1})  # collapsed
    assert not _drew_both({"detect_rate": 0.0, "centre_spread_px": None})  # nothing found
    finding = _s10_finding(3, [REAL, _source(5, 6), _source(6, 5)], [True, False])
    assert not finding.tested
    assert finding.text == "Seed 3: not tested (both objects drawn by: conv)."


def test_each_half_of_the_sentence_is_judged_on_its_own():
    # CoordConv closer in coverage (|6.5 - 6.8| < |5.0 - 6.8|) and lower in relative position
    both = _s10_finding(0, [REAL, _source(5.0, 6.0), _source(6.5, 5.5)], [True, True])
    assert (both.tested, both.coverage_closer, both.relative_lower) == (True, True, True)
    # conv closer, CoordConv higher in relative position
    neither = _s10_finding(1, [REAL, _source(6.7, 5.0), _source(5.0, 6.0)], [True, True])
    assert (neither.coverage_closer, neither.relative_lower) == (False, False)
    assert "conv closer" in neither.text


def test_verdict_counts_tested_seeds_only():
    assert _s10_verdict(0, 0, 0, 2) == "not tested: on no seed of 2 did both GANs draw both objects"
    assert _s10_verdict(2, 1, 2, 2) == (
        "coverage: reproduced (2/2); relative position: not reproduced (1/2)"
    )
    assert _s10_verdict(1, 1, 1, 2).endswith("; 1 seed(s) untested")
