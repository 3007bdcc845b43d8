"""The documentation site places every section of the committed report on one page
(tools/docs/report_pages.py; the strict docs build checks the same, this without MkDocs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docs.report_pages import HEADER, REPORT_DIR, place_sections, splice, split_report

DOCS = Path(__file__).resolve().parents[2] / "docs"


def slugify(text: str, separator: str) -> str:  # Python-Markdown's default toc slug
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(rf"[{separator}\s]+", separator, text)


def test_every_report_section_is_on_one_page_and_its_figures_exist():
    sections = split_report((REPORT_DIR / "REPORT.md").read_text())
    pages = {p.relative_to(DOCS).as_posix(): p.read_text() for p in DOCS.rglob("*.md")}
    placed = place_sections(pages, sections)
    assert set(placed) == set(sections)
    for uri in set(placed.values()):
        text = splice(pages[uri], uri, sections, placed, slugify)
        assert "<!-- report:" not in text
        for figure in re.findall(r"\]\(figures/([^)]+)\)", text):
            assert (REPORT_DIR / "figures" / figure).is_file(), figure


def test_markers_name_one_section_and_links_follow_sections_to_their_page():
    sections = split_report(
        "# T\n\nopening [a](#beta-s1)\n\n## Alpha (S0)\n\na\n\n## Beta (S1)\n\nb\n"
    )
    assert sections[HEADER] == "opening [a](#beta-s1)\n"
    pages = {
        "x/one.md": "<!-- report: header -->\n<!-- report: Alpha -->\n",
        "x/two.md": "<!-- report: Beta -->\n",
    }
    placed = place_sections(pages, sections)
    assert splice(pages["x/one.md"], "x/one.md", sections, placed, slugify).startswith(
        "opening [a](two.md#beta-s1)\n"
    )
    with pytest.raises(ValueError, match="names 0 sections"):
        place_sections({"a.md": "<!-- report: Gamma -->\n"}, sections)
    with pytest.raises(ValueError, match="on no page"):
        place_sections({"a.md": "<!-- report: Alpha -->\n"}, sections)
