"""IQM and stratified-bootstrap intervals against hand-computed cases; the report's table."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from coordconv_rl.aggregate import iqm, iqm_difference_ci, stratified_bootstrap_ci
from coordconv_rl.games import human_normalised
from coordconv_rl.report import write_report


def test_iqm_hand_computed():
    # 8 runs sorted: 1 2 3 4 7 8 9 100; 25% cut at each end (2 runs) leaves 3 4 7 8 -> 5.5
    assert iqm(np.array([9, 100, 1, 7, 3, 2, 8, 4.0])) == pytest.approx(5.5)
    # 5 runs: int(0.25 * 5) = 1 cut at each end (rliable/scipy trim_mean): mean of 2, 3, 10
    assert iqm(np.array([[1.0, 2.0, 3.0, 10.0, 50.0]])) == pytest.approx(5.0)


def test_bootstrap_percentile_interval_hand_computed():
    # one task, runs {0, 10}: a replicate is (0,0), (0,10), (10,0) or (10,10), so its IQM
    # (= mean for 2 runs) is 0, 5 or 10 with probabilities 1/4, 1/2, 1/4.
    # 95% interval: 2.5th percentile 0, 97.5th 10; 40% interval: 30th and 70th percentiles 5.
    scores = np.array([[0.0], [10.0]])
    assert stratified_bootstrap_ci(scores) == (0.0, 10.0)
    assert stratified_bootstrap_ci(scores, size=0.4) == (5.0, 5.0)


def test_bootstrap_is_stratified_by_task():
    # task A always 0, task B always 10: every stratified replicate holds 4 zeros and 4 tens,
    # IQM 5 (pooled resampling across tasks would spread from 0 to 10)
    scores = np.array([[0.0, 10.0]] * 4)  # (runs=4, tasks=2)
    assert iqm(scores) == 5.0
    assert stratified_bootstrap_ci(scores) == (5.0, 5.0)
    assert stratified_bootstrap_ci(scores, lambda flat: flat.mean(axis=1)) == (5.0, 5.0)
    with pytest.raises(ValueError, match="runs, tasks"):
        stratified_bootstrap_ci(np.zeros(3))


def test_human_normalised():
    assert human_normalised("ALE/MsPacman-v5", 307.3) == 0.0
    assert human_normalised("ALE/MsPacman-v5", 6951.6) == pytest.approx(1.0)
    assert human_normalised("coordconv_rl/TargetReach-v0", 1.0) is None


def _exact_iqm_interval(tasks: list[list[float]], size: float = 0.95) -> tuple[float, float]:
    """The percentile interval of the IQM under the stratified bootstrap, from its exact
    distribution rather than random replicates: every way of redrawing each task's runs with
    replacement, all equally likely; IQM = mean of the sorted scores less ``n // 4`` at each
    end. Each percentile must fall inside one value's probability mass, with a margin of 0.004
    (over 5 standard errors of 50,000 replicates' empirical quantile) to both edges: then the
    bootstrap's percentile is that value."""
    values = []
    for draw in itertools.product(*(itertools.product(t, repeat=len(t)) for t in tasks)):
        flat = sorted(x for task in draw for x in task)
        cut = len(flat) // 4
        values.append(sum(flat[cut : len(flat) - cut]) / (len(flat) - 2 * cut))
    values = np.sort(values)
    interval = []
    for q in ((1 - size) / 2, (1 + size) / 2):
        value = values[int(q * len(values))]
        below = np.mean(values < value - 1e-12)  # probability of the values under it ...
        upto = np.mean(values <= value + 1e-12)  # ... and up to it
        assert below + 0.004 < q < upto - 0.004, (q, below, upto)
        interval.append(float(value))
    return interval[0], interval[1]


def test_the_exact_interval_of_two_runs_is_the_hand_computed_one():
    # runs {0, 10}: replicate IQMs 0, 5, 10 with probabilities 1/4, 1/2, 1/4
    assert _exact_iqm_interval([[0.0, 10.0]]) == (0.0, 10.0)
    assert _exact_iqm_interval([[0.0, 10.0]], size=0.4) == (5.0, 5.0)


def _fake_run(root, game, env, variant, seed, score, model=None):
    run = root / game / variant / f"seed{seed}"
    run.mkdir(parents=True)
    results = {
        "env": env,
        "model": model or variant.split("-")[0],
        "variant": variant,
        "seed": seed,
        "frames": 100,
        "final_score": score,
        "cpu_time_s": 1.0,
    }
    (run / "results.json").write_text(json.dumps(results))


def test_report_three_agents_iqm_and_atari_aggregate(tmp_path):
    scores = {"conv": [300.0, 400.0, 500.0], "coordconv": [600.0, 700.0, 800.0]}
    scores["coordconv-zero"] = [310.0, 420.0, 530.0]
    for game, env in (("MsPacman", "ALE/MsPacman-v5"), ("Alien", "ALE/Alien-v5")):
        for variant, values in scores.items():
            for seed, score in enumerate(values):
                _fake_run(tmp_path, game, env, variant, seed, score)
    write_report(tmp_path)
    table = json.loads((tmp_path / "table_s7.json").read_text())
    row = next(r for r in table["rows"] if r["env"] == "ALE/MsPacman-v5")
    assert row["variants"]["coordconv-zero"]["scores"] == [310.0, 420.0, 530.0]
    assert row["variants"]["conv"]["iqm"] == pytest.approx(400.0)  # 3 runs: trims none
    assert row["conv"]["mean"] == pytest.approx(400.0)  # table S7's columns stay
    assert set(row["p_values_vs_conv"]) == {"coordconv", "coordconv-zero"}
    assert row["p_value"] == row["p_values_vs_conv"]["coordconv"] < 0.05
    low, high = row["variants"]["coordconv"]["iqm_ci95"]
    assert 600.0 <= low <= 700.0 <= high <= 800.0
    # three runs: P(all three redraws are the lowest run) = 1/27 > 2.5%, so the interval is
    # exactly the runs' range, from the exact distribution
    assert (low, high) == _exact_iqm_interval([scores["coordconv"]]) == (600.0, 800.0)
    agg = table["atari_aggregate"]
    assert sorted(agg["games"]) == ["ALE/Alien-v5", "ALE/MsPacman-v5"]
    # 6 runs x games, 25% trim = 1 each end: the middle four of the six normalised scores
    flat = np.sort([human_normalised(e, s) for e in agg["games"] for s in scores["coordconv"]])
    assert agg["coordconv"]["iqm"] == pytest.approx(flat[1:-1].mean())
    # its interval: stratified by game (each game's three runs redrawn among themselves), 729
    # equally likely redraws; percentiles inside the distribution, not at its ends
    per_game = [[human_normalised(e, s) for s in scores["coordconv"]] for e in agg["games"]]
    exact = _exact_iqm_interval(per_game)
    assert min(flat) < exact[0] < exact[1] < max(flat)
    assert agg["coordconv"]["iqm_ci95"] == pytest.approx(exact, rel=1e-12)
    md = (tmp_path / "table_s7.md").read_text()
    for text in ("coordconv-zero", "IQM [95% CI]", "human-normalised"):
        assert text in md
    assert "310 / 420 / 530" in md


def test_iqm_difference_hand_computed():
    # a = {0, 0}, b = {10, 10}: every replicate differs by exactly 10
    assert iqm_difference_ci([0.0, 0.0], [10.0, 10.0]) == (10.0, 10.0, 10.0)
    # b = {0, 10} against a constant 0: b's replicate IQM (mean of 2) is 0, 5 or 10 with
    # probabilities 1/4, 1/2, 1/4, so the 95% interval is [0, 10] around the difference 5
    assert iqm_difference_ci([0.0], [0.0, 10.0]) == (5.0, 0.0, 10.0)
    with pytest.raises(ValueError, match="non-empty"):
        iqm_difference_ci([], [1.0])


def test_the_init_ablation_section_says_what_the_runs_support(tmp_path):
    env = "coordconv_rl/TargetReach-v0"
    base = {
        "conv": 1.5,
        "coordconv": 1.0,
        "coordconv-zero": 1.5,
        "coordconv-paper-zero": 1.45,
        "coordconv-conv-ortho": 1.0,
    }
    for variant, centre in base.items():
        for seed in range(6):
            _fake_run(tmp_path, "TargetReach", env, variant, seed, centre + 0.01 * seed)
    write_report(tmp_path)
    table = json.loads((tmp_path / "table_s7.json").read_text())
    findings = table["ablation"][env]
    # orthogonal coordinate weights cost 0.5 at either data scale: supported
    assert (
        "zero over orthogonal coordinate weights, at the conv's data scale: IQM difference +0.500"
        in findings[1]
    )
    assert findings[1].endswith("(supported)")
    # the data scale with zero coordinate weights: 0.05, the runs' spread is 0.05 too
    assert "the conv's over the paper's data scale, coordinate weights zero" in findings[3]
    # CoordConv started as conv is conv's equal: not distinguishable from 0
    assert findings[5].startswith(
        "conv over CoordConv started as conv (zero init): IQM difference +0.000"
    )
    assert findings[5].endswith("(not distinguishable from 0)")
    md = (tmp_path / "table_s7.md").read_text()
    assert "Init ablation on coordconv_rl/TargetReach-v0" in md
    assert findings[0] in md
    # without every cell there is no ablation section
    other = tmp_path / "partial"
    for variant in ("conv", "coordconv"):
        for seed in range(3):
            _fake_run(other, "TargetReach", env, variant, seed, 1.0 + seed)
    write_report(other)
    assert json.loads((other / "table_s7.json").read_text())["ablation"] == {}
