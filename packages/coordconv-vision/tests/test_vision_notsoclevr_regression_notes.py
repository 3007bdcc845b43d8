"""The regression section's notes state what was measured: every seed count in them comes from
the committed sweep (paper S3; docs/measured/regression_readouts.json), and changes with it."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from coordconv_vision.paper import (
    REGRESSION_MEASURED,
    TASKS,
    load_measured,
    regression_notes,
    regression_sweep_verdict,
)

ROOT = Path(__file__).resolve().parents[3]
NAMES = {
    "paper": "the paper's model (CoordConv + global max pool, official training)",
    "conv-max": "conv + the same max pool",
    "coordconv-softargmax": "CoordConv + soft-argmax (ours, the package default)",
    "conv-softargmax": "conv + the same soft-argmax",
}


@pytest.fixture(scope="module")
def measured() -> dict:
    """The committed file, read from the repository (an installed wheel ships no docs/)."""
    path = ROOT / REGRESSION_MEASURED
    assert path.is_file(), f"{REGRESSION_MEASURED} is missing"
    return json.loads(path.read_text())


def _count(measured: dict, row: str, split: str) -> str:
    """Seeds at 100% exact test positions, counted here from the per-seed values."""
    cell = measured["rows"][row]["splits"].get(split)
    if cell is None:
        return "—"
    values = list(cell["test_accuracy"].values())
    return f"{len([v for v in values if v >= 1.0])}/{len(values)}"


def test_the_report_notes_are_the_committed_sweeps(measured: dict) -> None:
    installed = load_measured(REGRESSION_MEASURED)  # None from a wheel: the notes say so
    assert TASKS["regression"].notes == regression_notes(installed)
    if installed is not None:  # from the sources: the notes are the committed file's
        assert installed == measured
        assert TASKS["regression"].notes == regression_notes(measured)


def test_every_seed_count_in_the_note_is_the_files(measured: dict) -> None:
    note = regression_notes(measured)[1]
    assert REGRESSION_MEASURED in note
    assert measured["command"] in note
    for row, name in NAMES.items():
        expected = (
            f"{name} {_count(measured, row, 'quadrant')} / {_count(measured, row, 'uniform')}"
        )
        assert expected in note, expected
    # the verdict's counts are the quadrant ones of the same rows
    verdict = regression_sweep_verdict(measured)
    found = re.findall(r"\d+/\d+|—", verdict)
    rows = ["coordconv-softargmax", "conv-softargmax", "paper", "conv-max"]
    assert found == [_count(measured, row, "quadrant") for row in rows]
    assert verdict in note


def test_the_note_follows_the_file(measured: dict) -> None:
    changed = copy.deepcopy(measured)
    seeds = changed["rows"]["paper"]["splits"]["quadrant"]["test_accuracy"]
    exact = [s for s, v in seeds.items() if v >= 1.0]
    flipped = exact[0] if exact else next(iter(seeds))
    seeds[flipped] = 0.5 if exact else 1.0
    before, after = _count(measured, "paper", "quadrant"), _count(changed, "paper", "quadrant")
    assert before != after
    assert f"max-pool read-out CoordConv on {after}" in regression_sweep_verdict(changed)
    assert regression_notes(changed) != regression_notes(measured)


def test_official_tensorflow_figure_comes_from_the_file(measured: dict) -> None:
    tf = measured["official_tf"]
    note = regression_notes(measured)[1]
    assert f"quadrant {100 * tf['quadrant']['test_accuracy']:.1f}% exact" in note
    assert tf["source"] in note


def test_without_the_file_the_note_says_so() -> None:
    notes = regression_notes(None)
    assert "not installed" in notes[-1]
    assert not re.search(r"\d+/\d+", " ".join(notes))
