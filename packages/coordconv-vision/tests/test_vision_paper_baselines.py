"""Baseline rows judged against the paper's baseline figures (S2, S3, S4) and budgets: a
baseline far weaker than the paper's would make every CoordConv win look larger."""

from __future__ import annotations

from coordconv_vision.paper import (
    PAPER_BASELINES,
    baseline_comparison,
    notsoclevr_paper,
    notsoclevr_verdict,
)


def test_deconv_classification_compares_with_s2_and_the_budget() -> None:
    said = notsoclevr_verdict("classification", "deconv", "uniform", {0: 0.097}, epochs=15)
    assert said == (
        "fails as in the paper (1/1 seeds); paper 0.80-0.86, ours 0.097: our baseline is far "
        "weaker than the paper's, budget 15 vs 1,000 epochs"
    )
    # without the budget it points at the table's epochs column
    assert "ours in the epochs column vs the paper's 1,000 epochs" in notsoclevr_verdict(
        "classification", "deconv", "uniform", {0: 0.097}
    )


def test_strength_follows_the_mean_against_the_papers_range() -> None:
    def strength(mean: float) -> str:
        said = baseline_comparison("classification", "deconv", "uniform", {0: mean, 1: mean})
        return said.split("our baseline is ")[1].split(",")[0]

    assert strength(0.9) == "stronger than the paper's"
    assert strength(0.80) == "as strong as the paper's"
    assert strength(0.77) == "as strong as the paper's"  # within 5% of the paper's low end
    assert strength(0.5) == "weaker than the paper's"
    assert strength(0.2) == "far weaker than the paper's"


def test_near_chance_keeps_its_digits() -> None:
    said = baseline_comparison("classification", "deconv", "quadrant", {0: 0.0004, 1: 0.0002})
    assert "ours 0.00030" in said
    assert "paper ~0 (chance 0.00024)" in said


def test_rendering_and_regression_baselines() -> None:
    said = notsoclevr_verdict("rendering", "deconv", "uniform", {0: 0.41}, epochs=5)
    assert said.endswith("paper IOU ~0.8 at best, ours 0.410: our baseline is weaker than the "
                         "paper's, budget 5 vs 1,000 epochs")  # fmt: skip
    # S3 gives words only for conv regression: compared in words, with our number
    said = notsoclevr_verdict("regression", "conv", "quadrant", {0: 0.008})
    assert said == (
        "fails as in the paper (1/1 seeds); paper struggles (S3 gives no number or epoch count; "
        "Adam lr 5e-4); ours 0.00800"
    )
    # a claim (CoordConv) gets no comparison; every figure has its budget
    assert notsoclevr_verdict("regression", "coordconv", "quadrant", {0: 1.0}) == (
        "reproduced (1/1 seeds)"
    )
    assert all(epochs == 1000 for _, _, epochs in PAPER_BASELINES.values())


def test_the_regression_control_is_not_the_papers_baseline() -> None:
    for readout in ("softargmax", "max"):
        said = notsoclevr_verdict(
            "regression", "conv", "quadrant", {0: 1.0, 1: 0.2}, readout=readout
        )
        assert said == "control (no claim in the paper): 1/2 seeds reach the bar"
    # table S1's conv net is the paper's baseline
    assert notsoclevr_verdict(
        "regression", "conv", "quadrant", {0: 0.008}, readout="table-s1"
    ).startswith("fails as in the paper")


def test_the_paper_column_of_a_control_says_it_is_not_the_papers() -> None:
    assert notsoclevr_paper("regression", "conv", "quadrant") == "struggles"
    assert notsoclevr_paper("regression", "conv", "quadrant", "table-s1") == "struggles"
    assert notsoclevr_paper("regression", "conv", "quadrant", "softargmax") == (
        "— (control, not in the paper)"
    )
    assert notsoclevr_paper("regression", "coordconv", "uniform", "max") == "perfect"
    assert notsoclevr_paper("classification", "deconv", "uniform") == "~0.80-0.86 best"
