"""The report's headline row for figure S10's claim on the documented sweep is recounted from
the sweep file's per-seed records (``coordconv_generative.paper.s10_sweep_summary``)."""

from __future__ import annotations

import copy

from coordconv_generative.paper import s10_sweep_summary


def _seed(seed: int, tested: bool, closer: bool, lower: bool, conv: float, cc: float) -> dict:
    finding = {
        "tested": tested,
        "coverage_closer": closer,
        "relative_lower": lower,
        "js_closer": False,
        "js_relative_further": lower,
    }
    runs = {"conv": {"clean_rate": conv}, "coordconv-gd": {"clean_rate": cc}}
    return {"seed": seed, "runs": runs, "finding_matched": finding}


MEASURED = {
    "commands": ["python tools/sweeps/gan_seeds.py --seeds 100-102 -- --epochs 20 --r1 5"],
    "seeds": [
        _seed(100, True, True, True, 0.30, 0.12),
        _seed(101, True, False, True, 0.20, 0.004),  # CoordConv below the 5% clean floor
        _seed(102, False, False, False, 0.33, None),  # untested: no clean CoordConv samples
    ],
}


def test_counts_come_from_the_per_seed_records():
    ours, verdict = s10_sweep_summary(MEASURED)
    assert "seeds 100-102 at 20 epochs" in ours
    assert "coverage closer on 1/2 tested seeds (JS distance closer on 0/2)" in ours
    assert "relative position lower on 2/2 (JS distance further on 2/2)" in ours
    assert "conv 3/3, CoordConv 1/3 seeds" in ours
    assert verdict == (
        "coverage: not reproduced (1/2); relative position: reproduced (2/2); 1 seed(s) untested"
    )


def test_a_changed_record_changes_the_row():
    changed = copy.deepcopy(MEASURED)
    changed["seeds"][1]["finding_matched"]["coverage_closer"] = True
    ours, verdict = s10_sweep_summary(changed)
    assert "coverage closer on 2/2" in ours
    assert verdict.startswith("coverage: reproduced (2/2)")
