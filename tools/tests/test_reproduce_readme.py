"""The README's headline table is the committed reference report's, and that report was
written by ``tools/reproduce.py --publish`` from one complete invocation."""

from __future__ import annotations

from pathlib import Path

from reproduction.experiments import ORDER
from reproduction.publish import readme_block, readme_headline
from reproduction.report import load_sections

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "reports" / "quick"


def test_readme_headline_table_equals_the_committed_report():
    sections = load_sections(REFERENCE / "sections", ORDER)
    assert [s.key for s in sections] == ORDER
    readme = (REPO / "README.md").read_text()
    assert readme_headline(readme) == readme_block(sections), (
        "README.md's headline table differs from reports/quick: rerun "
        "`hatch run reproduce --fresh --publish reports/quick`"
    )


def test_committed_report_comes_from_one_complete_invocation():
    sections = load_sections(REFERENCE / "sections", ORDER)
    assert len({s.invocation for s in sections}) == 1
    assert all(s.status in ("ran", "not run") for s in sections)
    text = (REFERENCE / "REPORT.md").read_text()
    assert "reused sections" not in text
    assert "--publish reports/quick" in text  # the header's command
    for field in ("written", "machine", "software", "commit", "wall time of this invocation"):
        assert f"- **{field}:**" in text, field
