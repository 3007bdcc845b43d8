"""The paper's vision claims (S2-S6): the bars, the paper's numbers, and verdicts that say
"reproduced" exactly when the bar is met on every seed and name the seeds that disagree."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coordconv_vision.paper import (
    DETECTION_HEADLINE,
    DETECTION_PAPER,
    DETECTION_PAPER_BUDGET,
    IMAGENET_PAPER,
    PAPER_NOTSOCLEVR,
    PAPER_S2,
    PAPER_S3,
    SPLITS,
    TASKS,
    Bar,
    detection_bar,
    detection_verdict,
    imagenet_verdict,
    notsoclevr_verdict,
    verdict,
)

SCORES = st.dictionaries(
    st.integers(0, 20), st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=6
)


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
    assert verdict({0: 1.0, 1: 1.0}, bar, False) == (
        "reaches the bar on 2/2 seeds (the paper's baseline did not)"
    )


def test_lower_is_better_bar():
    bar = Bar(0.0, higher_is_better=False)  # e.g. CoordConv loss minus conv loss
    assert bar.reached(-0.1)
    assert bar.reached(0.0)
    assert not bar.reached(0.2)
    assert not bar.reached(float("nan"))
    assert str(bar) == "<= 0"
    assert str(Bar(0.99)) == ">= 0.99"


@pytest.mark.parametrize("value", [None, float("nan")])
def test_missing_values_never_reach_the_bar(value):
    assert not Bar(0.5).reached(value)


@given(SCORES, st.floats(0.0, 1.0))
def test_reproduced_exactly_when_every_seed_reaches_the_bar(values, threshold):
    bar = Bar(threshold)
    said = verdict(values, bar, True)
    assert said.startswith("reproduced") == all(v >= threshold for v in values.values())
    failed = verdict(values, bar, False)
    assert failed.startswith("fails as in the paper") == all(v < threshold for v in values.values())


@given(SCORES)
def test_a_partial_verdict_names_every_disagreeing_seed(values):
    said = verdict(values, Bar(0.5), True)
    if said.startswith("partly"):
        missed = sorted(s for s, v in values.items() if v < 0.5)
        assert said == (
            f"partly: {len(values) - len(missed)}/{len(values)} seeds ("
            + ", ".join(f"seed {s}: {values[s]:.3f}" for s in missed)
            + ")"
        )


def test_notsoclevr_bars_are_the_papers_claims():
    assert {t: (s.metric, s.bar) for t, s in TASKS.items()} == {
        "classification": ("test_accuracy", Bar(1.0)),  # S2: 100% test accuracy
        "regression": ("test_accuracy", Bar(0.99)),  # S3: perfect generalisation
        "rendering": ("test_iou", Bar(0.99)),  # S4: IOU ~1.0
    }
    assert SPLITS == ("uniform", "quadrant")
    assert all(t.title.startswith("Supervised") for t in TASKS.values())


def test_every_model_and_split_of_a_task_has_the_papers_word():
    models = {"classification": "deconv", "regression": "conv", "rendering": "deconv"}
    for task, baseline in models.items():
        for split in SPLITS:
            assert PAPER_NOTSOCLEVR[(task, "coordconv", split)][1] is True
            assert (task, baseline, split) in PAPER_NOTSOCLEVR
    # the paper makes no claim a bar can check for conv regression on the uniform split
    assert [k for k, (_, expect) in PAPER_NOTSOCLEVR.items() if expect is None] == [
        ("regression", "conv", "uniform")
    ]
    assert PAPER_NOTSOCLEVR[("classification", "deconv", "quadrant")][0] == "~0 (chance 0.00024)"


def test_notsoclevr_verdicts():
    # classification's bar is exactly 100%: one wrong test square is not a reproduction
    assert notsoclevr_verdict("classification", "coordconv", "quadrant", {0: 1.0, 1: 1.0}) == (
        "reproduced (2/2 seeds)"
    )
    assert notsoclevr_verdict("classification", "coordconv", "uniform", {0: 0.9999}) == (
        "not reproduced (0/1 seeds)"
    )
    assert notsoclevr_verdict("rendering", "coordconv", "uniform", {0: 0.99, 1: 0.989}) == (
        "partly: 1/2 seeds (seed 1: 0.989)"
    )
    assert notsoclevr_verdict("rendering", "deconv", "quadrant", {0: 0.4}) == (
        "fails as in the paper (1/1 seeds)"
    )
    assert notsoclevr_verdict("regression", "conv", "uniform", {0: 0.1}) == "—"
    with pytest.raises(KeyError):
        notsoclevr_verdict("regression", "deconv", "uniform", {0: 0.1})


def test_table_s3():
    printed = """
        metric            conv    CoordConv
        box_loss          0.1003  0.0854
        score_loss        0.5270  0.2526
        total_loss        0.6271  0.3383
        train_iou         0.6388  0.6612
        test_iou_average  0.1508  0.1868
        test_iou_select   0.4965  0.6359
    """
    rows = [line.split() for line in printed.strip().splitlines()[1:]]
    assert {metric: (float(a), float(b)) for metric, a, b in rows} == PAPER_S3
    # the paper's CoordConv is better on all six metrics, by the bars the verdict uses
    for metric, (conv, coordconv) in PAPER_S3.items():
        assert detection_bar(metric).reached(coordconv - conv), metric
    assert DETECTION_HEADLINE == "test_iou_average"
    assert DETECTION_PAPER.startswith("IOU-average 0.1508 vs 0.1868 (+23.87%)")
    assert DETECTION_PAPER_BUDGET.startswith("9,000 / 1,000 canvases")


def test_detection_verdict_is_coordconv_better_on_every_seed():
    assert detection_bar("box_loss") == Bar(0.0, higher_is_better=False)
    assert detection_bar("test_iou_select") == Bar(0.0)
    assert detection_verdict("total_loss", {0: -0.1, 1: -0.02}) == "reproduced (2/2 seeds)"
    assert detection_verdict("train_iou", {0: 0.01, 1: -0.02}) == (
        "partly: 1/2 seeds (seed 1: CoordConv - conv = -0.0200)"
    )
    assert detection_verdict("train_iou", {0: -0.01}) == "not reproduced (0/1 seeds)"


def test_table_s2_and_its_verdict():
    assert PAPER_S2 == {
        "loss": (1.425722, 1.42525),
        "top1": (0.757528, 0.757424),
        "top5": (0.92712, 0.927564),
    }
    assert IMAGENET_PAPER == "top-5 0.9271 vs 0.9276 (p = 0.11)"
    assert imagenet_verdict(0.92712, 0.927564) == "CoordConv no worse"
    assert imagenet_verdict(0.9, 0.9) == "CoordConv no worse"
    assert imagenet_verdict(0.9, 0.8999) == "CoordConv lower"
