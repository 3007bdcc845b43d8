"""The report writer: sections round-trip through JSON and render as markdown tables."""

from __future__ import annotations

import pytest
from reproduction.report import Section, fmt, render_report


def test_section_round_trip_and_rendering(tmp_path):
    section = Section(
        key="detection",
        title="Object detection (S6)",
        status="ran",
        what="Two models on scattered MNIST.",
        columns=["metric", "ours", "paper"],
        rows=[["test_iou_select", 0.61234567, 0.6359], ["params", 94773, None]],
        figures=["figures/detection.png"],
        notes=["short of the paper"],
        wall_time_s=12.4,
    )
    loaded = Section.load(section.save(tmp_path))
    assert loaded == section
    text = render_report("quick", [loaded], {"machine": "2 cores"})
    assert "# CoordConv reproduction report — preset `quick`" in text
    assert "- **machine:** 2 cores" in text
    assert "| [Object detection (S6)](#object-detection-s6) | ran | 12 |" in text
    assert "| metric | ours | paper |" in text
    assert "| test_iou_select | 0.6123 | 0.6359 |" in text
    assert "| params | 94,773 | — |" in text
    assert "![detection](figures/detection.png)" in text
    assert "- short of the paper" in text


def test_bad_status_is_refused():
    with pytest.raises(ValueError, match="status must be one of"):
        Section(key="x", title="x", status="done", what="")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (True, "yes"),
        (0.000244, "0.000244"),
        (1.0, "1"),
        (35300.0, "35,300"),
        (7553, "7,553"),
    ],
)
def test_cell_format(value, text):
    assert fmt(value) == text
