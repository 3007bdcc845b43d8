"""The paper's generative claims (S7): figure S10's sentence is tested on a seed only when both
GANs draw both objects, each half of it (coverage closer to the data, relative positions more
collapsed) is judged on its own, and the paper's numbers and texts stay the paper's."""

from __future__ import annotations

import re

import pytest

from coordconv_generative.entropy import DETECT_FLOOR, SPREAD_FLOOR_PX
from coordconv_generative.objects import CLEAN_FLOOR
from coordconv_generative.paper import (
    ENTROPY_METRICS,
    ENTROPY_REPEATS,
    GAN_MODELS,
    GAN_NOTE,
    GAN_PAPER_BUDGET,
    LSUN_PAPER,
    PAPER_PARAMS,
    VAE_MODELS,
    VAE_PAPER,
    drew_both,
    s10_finding,
    s10_verdict,
    selection_note,
)


def _source(coverage: float, relative: float) -> dict:
    return {"coverage": {"mean": coverage}, "relative_position": {"mean": relative}}


REAL = _source(6.8, 7.6)


def test_a_seed_counts_only_when_both_gans_clear_the_floors():
    assert drew_both({"clean_rate": 0.05, "clean_spread_px": 4.0})
    assert not drew_both({"clean_rate": 0.049, "clean_spread_px": 12.0})
    assert not drew_both({"clean_rate": 1.0, "clean_spread_px": 0.1})  # collapsed
    assert not drew_both({"clean_rate": 0.0, "clean_spread_px": None})  # nothing found
    # the strict count decides, not the permissive one
    assert not drew_both({"detect_rate": 0.9, "centre_spread_px": 12.0, "clean_rate": 0.04,
                          "clean_spread_px": 12.0})  # fmt: skip
    assert not drew_both({})  # a results.json without the measures
    finding = s10_finding(3, [REAL, _source(5, 6), _source(6, 5)], [True, False])
    assert not finding.tested
    assert finding.text == "Seed 3: not tested (both objects drawn by: conv)."
    neither = s10_finding(4, [REAL, _source(5, 6), _source(6, 5)], [False, False])
    assert neither.text == "Seed 4: not tested (both objects drawn by: neither)."


def test_each_half_of_the_sentence_is_judged_on_its_own():
    # CoordConv closer in coverage (|6.5 - 6.8| < |5.0 - 6.8|) and lower in relative position
    both = s10_finding(0, [REAL, _source(5.0, 6.0), _source(6.5, 5.5)], [True, True])
    assert (both.tested, both.coverage_closer, both.relative_lower) == (True, True, True)
    assert both.text == (
        "Seed 0: coverage gap to the data conv 1.800, CoordConv 0.300 bits (CoordConv closer); "
        "relative position conv 6.000, CoordConv 5.500 bits (data 7.600)."
    )
    # conv closer, CoordConv higher in relative position
    neither = s10_finding(1, [REAL, _source(6.7, 5.0), _source(5.0, 6.0)], [True, True])
    assert (neither.coverage_closer, neither.relative_lower) == (False, False)
    assert "conv closer" in neither.text
    # an equal gap or an equal relative-position entropy is not "closer" / "lower"
    tie = s10_finding(2, [REAL, _source(6.0, 5.0), _source(6.0, 5.0)], [True, True])
    assert (tie.coverage_closer, tie.relative_lower) == (False, False)


def test_a_matched_measurement_is_judged_at_its_count_with_its_js_distances():
    def matched(coverage, relative, js=None):
        out = _source(coverage, relative) | {"points": {"mean": 180.0}}
        if js is not None:
            out["js_position"] = {"mean": js, "ci": [js - 0.01, js + 0.01]}
        return out

    finding = s10_finding(
        100, [matched(6.8, 7.6), matched(5.0, 6.0, 0.20), matched(6.5, 5.5, 0.35)], [True, True]
    )
    assert (finding.coverage_closer, finding.relative_lower) == (True, True)
    assert finding.js_closer is False  # the entropy says closer, the JS distance does not
    assert finding.text.startswith("Seed 100 at 180 images each: coverage gap")
    assert finding.text.endswith(
        "JS distance of positions to the data: conv 0.200 [0.190, 0.210], CoordConv 0.350 "
        "[0.340, 0.360] (conv closer)."
    )
    assert s10_finding(0, [REAL, _source(5, 6), _source(6, 5)], [True, True]).js_closer is None


def _figures(text: str) -> list[float]:
    """Every decimal number written in a note, in order."""
    return [float(x) for x in re.findall(r"\d+\.\d+", text)]


def test_a_finding_states_the_numbers_of_its_source_and_names_it():
    """Every figure of the note is its source's (entropy.json's matched block, here made by
    hand with distinct values), in the order written; a changed value changes the note."""

    def matched(values, points=57.0):
        keys = ("coverage", "relative_position", "js_position", "js_relative")
        out = {"points": {"mean": points}}
        for key, v in zip(keys, values, strict=True):
            out[key] = {"mean": v, "ci": [v - 0.011, v + 0.012]}
        return out

    real = matched((5.701, 5.702, 0.0, 0.0))
    conv = matched((5.401, 5.602, 0.301, 0.402))
    coord = matched((5.651, 5.303, 0.351, 0.452))
    sources = [real, conv, coord]
    finding = s10_finding(100, sources, [True, True], "entropy-seed100/entropy.json")
    assert finding.text.endswith(" Source: entropy-seed100/entropy.json.")
    assert (finding.js_closer, finding.js_relative_further) == (False, True)
    gap = {"conv": abs(5.401 - 5.701), "coord": abs(5.651 - 5.701)}
    expected = [gap["conv"], gap["coord"], 5.602, 5.303, 5.702]
    for key in ("js_position", "js_relative"):
        for src in (conv, coord):
            expected += [src[key]["mean"], *src[key]["ci"]]
    assert _figures(finding.text) == pytest.approx([round(v, 3) for v in expected], abs=1e-9)
    assert "at 57 images each" in finding.text
    coord["js_relative"]["mean"] = 0.2
    assert "0.200" in s10_finding(100, sources, [True, True]).text


def test_the_selection_note_puts_the_selected_weights_beside_the_final_state():
    runs = {
        "conv": {"selected": "_epoch016", "clean_rate": 0.305, "detect_rate": 0.688,
                 "last_clean_rate": 0.293, "last_detect_rate": 0.730},
        "coordconv-gd": {"selected": "last", "clean_rate": 0.121, "detect_rate": 0.512},
    }  # fmt: skip
    note = selection_note(100, runs, "conv-seed100/results.json, coordconv-gd-seed100/...")
    assert note == (
        "Seed 100, selected vs final weights (256 samples each; conv-seed100/results.json, "
        "coordconv-gd-seed100/...): conv selected epoch 16 clean 0.305 / detected 0.688, "
        "final state clean 0.293 / detected 0.730; CoordConv final state clean 0.121 / "
        "detected 0.512."
    )
    runs["conv"]["last_clean_rate"] = 0.1
    assert "final state clean 0.100" in selection_note(100, runs, "x")


def test_verdict_counts_tested_seeds_only():
    assert s10_verdict(0, 0, 0, 2) == "not tested: on no seed of 2 did both GANs draw both objects"
    assert s10_verdict(2, 1, 2, 2) == (
        "coverage: reproduced (2/2); relative position: not reproduced (1/2)"
    )
    assert s10_verdict(1, 1, 1, 2).endswith("; 1 seed(s) untested")


@pytest.mark.parametrize(
    ("holds", "tested", "said"),
    [
        (3, 5, "reproduced"),
        (2, 4, "not reproduced"),
        (3, 4, "reproduced"),
        (0, 3, "not reproduced"),
    ],
)
def test_a_half_is_reproduced_on_a_strict_majority_of_tested_seeds(holds, tested, said):
    assert s10_verdict(holds, holds, tested, tested) == (
        f"coverage: {said} ({holds}/{tested}); relative position: {said} ({holds}/{tested})"
    )


def test_the_papers_numbers():
    assert GAN_MODELS == ("conv", "coordconv-gd")
    assert VAE_MODELS == ("conv", "coordconv")
    # table S4: (generator, discriminator) parameters
    assert PAPER_PARAMS == {"conv": (6_413_315, 4_316_545), "coordconv-gd": (444_931, 4_319_745)}
    assert GAN_PAPER_BUDGET == "50,000 images, 50 epochs, best of 5-10 runs"
    assert ENTROPY_REPEATS == 10  # S7.1: each entropy measured 10 times
    assert "10 repeats" in ENTROPY_METRICS
    assert (VAE_PAPER, LSUN_PAPER) == ("qualitative (fig. S11-S12)", "qualitative (fig. S13-S15)")


def test_the_gan_note_states_the_floors_the_verdict_uses():
    assert (DETECT_FLOOR, SPREAD_FLOOR_PX, CLEAN_FLOOR) == (0.3, 4.0, 0.05)
    assert (
        "(clean >= 0.05, spread >= 4 px; the permissive count's floor is 0.3), and is judged "
        "at matched counts." in GAN_NOTE
    )
