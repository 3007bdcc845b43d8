"""The RL section's note on why the paper's CoordConv trails conv is computed from the committed
init ablation it names, never written by hand: it carries the findings ``coordconv-rl report``
wrote into that file from the same runs, and it moves when the runs' scores move."""

from __future__ import annotations

import copy

from reproduction.presets import TARGET_REACH
from reproduction.rl import ABLATION_FILE, REPO, ablation_note, load_ablation


def test_the_note_names_its_file_and_carries_its_findings():
    table = load_ablation()
    note = ablation_note(table)
    assert (REPO / ABLATION_FILE).is_file()
    assert f"`{ABLATION_FILE}`" in note
    seeds = sorted(load_ablation()["rows"][0]["variants"]["conv"]["seeds"])
    assert f"seeds {seeds[0]}-{seeds[-1]}" in note
    stored = table["ablation"][TARGET_REACH]  # written by `coordconv-rl report` from the runs
    assert len(stored) >= 6
    for finding in stored:
        assert finding in note


def test_the_note_follows_the_scores_not_a_sentence():
    table = load_ablation()
    moved = copy.deepcopy(table)
    row = next(r for r in moved["rows"] if r["env"] == TARGET_REACH)
    conv = row["variants"]["conv"]["scores"]
    row["variants"]["conv"]["scores"] = [s - 1.0 for s in conv]  # conv far behind every agent
    note = ablation_note(moved)
    assert note != ablation_note(table)
    assert "the paper's CoordConv leads conv" in note
    assert "conv over the paper's CoordConv: IQM difference -0.7" in note  # 0.237 - 1
