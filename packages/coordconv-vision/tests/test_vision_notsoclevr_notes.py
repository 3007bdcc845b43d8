"""The classification and rendering notes of the report quote committed measurements exactly.

A note's figure (seeds reaching the bar, per init and split) must be the one in the result file
it names, ``docs/measured/<task>_inits.json`` (written by ``tools/sweeps/notsoclevr_inits.py``),
so a rerun that changes a count fails here until the note says what was measured.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coordconv_vision.paper import TASKS

MEASURED = Path(__file__).resolve().parents[1] / "docs" / "measured"


def measured_note(summary: dict) -> str:
    """The note's sentence for a ``notsoclevr_inits.py`` summary: every row that ran, its recipe
    and, per split it ran, how many seeds reached the bar."""
    bar = summary["bar"]
    rows = []
    for name, row in summary["rows"].items():
        splits = ", ".join(
            f"{split} {sum(v >= bar for v in r['test'].values())}/{len(r['test'])}"
            for split, r in row["splits"].items()
            if r["test"]
        )
        if not splits:
            continue
        recipe = row["recipe"]
        rows.append(f"{name} (lr {recipe['lr']:g}, {recipe['epochs']} epochs): {splits}")
    seeds = summary["seeds"]
    return (
        f"Seeds reaching {summary['metric']} >= {summary['bar']:g} per init, of seeds "
        f"{seeds[0]}-{seeds[-1]} fixed in advance (tools/sweeps/notsoclevr_inits.py, "
        f"coordconv-vision docs/measured/{summary['task']}_inits.json): " + "; ".join(rows) + "."
    )


@pytest.mark.parametrize("task", ["classification", "rendering"])
def test_the_note_quotes_the_committed_result_file(task: str) -> None:
    summary = json.loads((MEASURED / f"{task}_inits.json").read_text())
    assert summary["task"] == task
    assert measured_note(summary) in TASKS[task].notes


def test_the_official_recipe_note_quotes_its_choice() -> None:
    chosen = json.loads((MEASURED / "classification_official_recipe.json").read_text())["chosen"]
    quoted = (
        f"--init official's recipe (lr {chosen['lr']:g}, {chosen['epochs']} epochs) was chosen "
        "on the validation split"
    )
    assert any(quoted in note for note in TASKS["classification"].notes)


def test_the_note_changes_when_a_seed_changes() -> None:
    summary = json.loads((MEASURED / "classification_inits.json").read_text())
    row = next(iter(summary["rows"].values()))
    split = next(s for s, r in row["splits"].items() if r["test"])
    values = row["splits"][split]["test"]
    seed = next(iter(values))
    values[seed] = 0.0 if values[seed] >= summary["bar"] else 1.0  # one seed flips
    assert measured_note(summary) not in TASKS["classification"].notes
