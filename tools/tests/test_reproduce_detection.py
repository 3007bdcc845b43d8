"""The detection section (S6, table S3) from canned runs: the paper's headline metric
(IOU-average) first, IOU-select and best-scored beside it, every metric with Welch's two-sided
p, the recipe's differences and the official recipe's committed figures in the notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reproduction import vision
from reproduction.presets import BUDGETS
from reproduction.runner import Context
from scipy import stats

from coordconv_vision.paper import DETECTION_METRICS, DETECTION_RECIPE, PAPER_S3

SEEDS = [100, 101, 102]


def _results(model: str, seed: int) -> dict[str, Any]:
    base = 0.1 if model == "conv" else 0.2  # CoordConv better on the IOUs, worse on the losses
    return {m: base + 0.01 * (seed - 100) + 0.001 * i for i, m in enumerate(DETECTION_METRICS)}


def test_section_leads_with_iou_average_and_tests_every_metric(tmp_path: Path):
    budget = BUDGETS["quick"]["detection"].as_dict() | {"seeds": SEEDS}
    ctx = Context(key="detection", preset="quick", budget=budget, root=tmp_path)
    for job in vision.detection_jobs(ctx):  # the finished runs the report step reads
        if job.name != "data":
            model, seed = job.name.rsplit("-seed", 1)
            job.done.parent.mkdir(parents=True)
            job.done.write_text(json.dumps(_results(model, int(seed))))
    section = vision.detection(ctx)
    assert [row[0] for row in section.rows] == list(DETECTION_METRICS)
    for row in section.rows:
        metric = row[0]
        conv = [_results("conv", s)[metric] for s in SEEDS]
        cc = [_results("coordconv", s)[metric] for s in SEEDS]
        welch = stats.ttest_ind(cc, conv, equal_var=False, alternative="two-sided").pvalue
        assert row[5] == welch, metric
        assert row[6:8] == list(PAPER_S3.get(metric, ("—", "—"))), metric
    _claim, ours, paper, verdict = section.headline[0]
    assert ours.startswith("IOU-average conv ")
    assert "IOU-select" in ours
    assert "best-scored" in ours
    assert ours.index("IOU-average") < ours.index("IOU-select") < ours.index("best-scored")
    assert paper.startswith("IOU-average 0.1508 vs 0.1868 (+23.87%)")
    assert verdict == "reproduced (3/3 seeds)"
    assert "--anchor-layout official" in section.what
    assert "Welch" in section.what
    notes = "\n".join(section.notes)
    assert "IOU-average per seed (100 / 101 / 102): conv 0.1040 / 0.1140 / 0.1240" in notes
    assert "Official recipe beside ours:" in notes
    assert "detection_official_recipe.json" in notes
    assert "Optimiser: Adam" in notes
    for difference in DETECTION_RECIPE:
        assert difference in notes
