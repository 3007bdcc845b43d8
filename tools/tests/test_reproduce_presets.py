"""The presets: the quick preset's plan fits its 20-minute limit; claims run on >= 3 seeds;
every shipped preset's settings fit their commands' configs."""

from __future__ import annotations

import pytest
from reproduction import presets
from reproduction.experiments import ORDER


def test_every_preset_budgets_every_experiment():
    for preset in presets.PRESETS:
        assert list(presets.BUDGETS[preset]) == ORDER, preset
        for key, budget in presets.BUDGETS[preset].items():
            entry = budget.as_dict()
            assert "estimate_s" in entry, (preset, key)
            assert entry["seeds"] if "seeds" in entry else entry["variants"], (preset, key)


@pytest.mark.parametrize("preset", presets.PRESETS)
def test_every_shipped_preset_validates(preset):
    presets.check_preset(preset, ORDER)


def test_quick_preset_planned_time_is_within_its_limit():
    """What runs by default (no --imagenet / --lsun), scheduled on the default 2 jobs, plus the
    start-up of a fresh clone, must fit the README's promise of 20 minutes on 2 cores."""
    runs = [key for key in ORDER if key not in presets.NEEDS_DATA]
    planned = presets.planned_wall_s("quick", runs, presets.DEFAULT_JOBS)
    assert planned <= presets.LIMIT_S["quick"], f"quick preset planned {planned:.0f} s"
    assert all(presets.BUDGETS["quick"][key].estimate_s > 0 for key in runs)
    # the plan really is start-up plus the scheduled estimates
    costs = [presets.BUDGETS["quick"][key].estimate_s for key in runs]
    assert planned == presets.STARTUP_S + presets.lpt_makespan(costs, presets.DEFAULT_JOBS)
    assert planned >= presets.STARTUP_S + sum(costs) / presets.DEFAULT_JOBS


def _claim_seeds(preset: str) -> dict[str, list[int]]:
    """Seeds of every run the paper's claims rest on (CoordConv rows, detection, RL)."""
    budgets = {key: budget.as_dict() for key, budget in presets.BUDGETS[preset].items()}
    found = {
        f"{task}/{name}": variant["seeds"]
        for task in ("classification", "regression", "rendering")
        for name, variant in budgets[task]["variants"].items()
        if variant["model"] == "coordconv"
    }
    found["detection"] = budgets["detection"]["seeds"]
    found["atari"] = budgets["atari"]["seeds"]
    return found


@pytest.mark.parametrize("preset", ["quick", "paper"])
def test_claims_run_on_at_least_three_seeds(preset):
    for name, seeds in _claim_seeds(preset).items():
        assert len(set(seeds)) >= 3, name


def test_flags_split_like_a_shell():
    assert presets.flags({"args": "--max-steps 2 --batch-size 8"}) == [
        "--max-steps",
        "2",
        "--batch-size",
        "8",
    ]
    assert presets.flags({}) == []


@pytest.mark.parametrize(
    ("costs", "jobs", "busy", "makespan"),
    [
        ([3, 5, 3, 4, 3], 2, (), 10),  # longest first: 5 + 3 = 8 and 4 + 3 + 3 = 10
        ([10], 2, (), 10),
        ([6, 6], 2, (4,), 10),
        ([], 2, (7, 2), 7),
    ],
)
def test_longest_first_schedule(costs, jobs, busy, makespan):
    assert presets.lpt_makespan(costs, jobs, busy) == makespan
