"""The report writer and the reference report: sections round-trip through JSON, render as
markdown (headline, times, reused sections), and only a complete fresh run is published."""

from __future__ import annotations

import pytest
from reproduction.publish import (
    is_report_folder,
    publish,
    publish_problem,
    readme_block,
    readme_headline,
    update_readme,
)
from reproduction.report import Section, fmt, render_report, terminal_table


def _section(key: str = "detection", invocation: str = "inv-1", status: str = "ran") -> Section:
    return Section(
        key=key,
        title="Object detection (S6)",
        status=status,
        what="Two models on scattered MNIST.",
        columns=["metric", "ours", "paper"],
        rows=[["test_iou_select", 0.61234567, 0.6359], ["params", 94773, None]],
        headline=[["CoordConv improves", "0.61 | 0.62", "0.4965 vs 0.6359", "partly: 2/3 seeds"]],
        figures=["figures/detection.png"],
        notes=["short of the paper"],
        wall_time_s=72.4,
        cpu_time_s=70.0,
        estimate_s=60.0,
        measured_at="2026-11-30 10:15 UTC",
        invocation=invocation,
        commit="abc1234 (clean tree)",
        reused_runs=["detection/conv-seed0"],
    )


def test_section_round_trip_and_rendering(tmp_path):
    section = _section()
    loaded = Section.load(section.save(tmp_path))
    assert loaded == section
    text = render_report("quick", [loaded], {"machine": "2 cores"}, invocation="inv-1")
    assert "# CoordConv reproduction report — preset `quick`" in text
    assert "- **machine:** 2 cores" in text
    assert "| experiment | claim | ours | paper | verdict |" in text
    assert (
        "| detection | CoordConv improves | 0.61 \\| 0.62 | 0.4965 vs 0.6359 | partly: 2/3 seeds |"
        in text
    )
    assert (
        "| [detection](#object-detection-s6) | ran | 1 min 00 s | 1 min 12 s | 1 min 10 s "
        "| this run |" in text
    )
    assert (
        "**Status:** ran (1 min 12 s wall, 1 min 10 s CPU; estimated 1 min 00 s); measured "
        "2026-11-30 10:15 UTC at commit abc1234 (clean tree)" in text
    )
    assert "| test_iou_select | 0.6123 | 0.6359 |" in text
    assert "| params | 94,773 | — |" in text
    assert "![detection](figures/detection.png)" in text
    assert "- short of the paper" in text
    assert "reused: detection/conv-seed0; the times above cover the rest only" in text
    assert "reused sections" not in text


def test_report_names_sections_from_an_earlier_invocation():
    text = render_report("quick", [_section(invocation="inv-0")], {}, invocation="inv-1")
    assert (
        "- **reused sections:** detection (measured 2026-11-30 10:15 UTC, commit abc1234 "
        "(clean tree))" in text
    )
    assert "— **reused from an earlier invocation**" in text


def test_terminal_table_wraps_cells():
    table = terminal_table([_section()], width=60).splitlines()
    assert table[0].split() == ["experiment", "claim", "ours", "paper", "verdict"]
    assert set(table[1]) <= {"-", " "}
    assert all(len(line) <= 60 + 8 for line in table)
    assert "detection" in table[2]


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


def test_only_a_complete_fresh_run_is_publishable():
    keys = ["detection", "vae"]
    now = [_section("detection"), _section("vae")]
    assert publish_problem(now, keys, "inv-1") is None
    assert "missing" in publish_problem(now[:1], keys, "inv-1")
    older = [_section("detection"), _section("vae", invocation="inv-0")]
    assert publish_problem(older, keys, "inv-1") == (
        "sections measured by an earlier invocation: vae"
    )
    failed = [_section("detection"), _section("vae", status="failed")]
    assert publish_problem(failed, keys, "inv-1") == "experiments that did not finish: vae (failed)"


def test_publish_replaces_only_a_report_folder(tmp_path):
    source = tmp_path / "runs"
    (source / "figures").mkdir(parents=True)
    (source / "figures" / "a.png").write_bytes(b"png")
    (source / "vae").mkdir()  # run directories are not published
    (source / "REPORT.md").write_text("new report")
    _section().save(source / "sections")
    target = tmp_path / "reports" / "quick"
    old = tmp_path / "old"  # an earlier publish wrote the report that is replaced (issue 24)
    (old / "figures").mkdir(parents=True)
    (old / "figures" / "old.png").write_bytes(b"old")
    (old / "REPORT.md").write_text("old report")
    publish(old, target)
    assert (target / "figures" / "old.png").exists()
    assert is_report_folder(target)
    assert publish(source, target) == target / "REPORT.md"
    assert (target / "REPORT.md").read_text() == "new report"
    assert sorted(p.name for p in target.iterdir()) == [
        ".coordconv-files",  # the list of what publish wrote (issue 24)
        "REPORT.md",
        "figures",
        "sections",
    ]
    assert [p.name for p in (target / "figures").iterdir()] == ["a.png"]
    assert sorted(p.name for p in tmp_path.joinpath("reports").iterdir()) == ["quick"]
    (target / "notes.txt").write_text("mine")
    assert not is_report_folder(target)


def test_readme_block_is_rewritten_from_the_sections(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n\n{readme_block([])}\n\nmore\n")
    update_readme(readme, [_section()])
    text = readme.read_text()
    assert text.startswith("intro\n\n<!-- headline")
    assert text.endswith("<!-- /headline -->\n\nmore\n")
    assert readme_headline(text) == readme_block([_section()])
    assert "| detection | CoordConv improves |" in text
    with pytest.raises(ValueError, match="no generated headline block"):
        readme_headline("no block here")
